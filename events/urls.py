from django.urls import path

from events import (
    ticket_cancel_manage,
    ticket_cancel_views,
    ticket_order_views,
    ticket_pay_later_views,
    ticket_views,
    ticket_waitlist_views,
)
from events.views import door, manage, messages, public, question_views, rsvp_link

app_name = "events"

urlpatterns = [
    path("events/", public.event_list, name="list"),
    path("events/calendar.ics", public.public_feed, name="feed"),
    path("events/my-calendar/", public.member_feed_create, name="member-feed-create"),
    path("events/my-calendar/<str:token>.ics", public.member_feed, name="member-feed"),
    path("events/orders/<int:order_id>/", ticket_order_views.order_page, name="order"),
    path("events/orders/o/<str:token>/", ticket_order_views.order_link, name="order-link"),
    path("events/orders/o/<str:token>/pay/", ticket_order_views.order_pay, name="order-pay"),
    path("events/orders/<int:order_id>/receipt/", ticket_pay_later_views.order_receipt, name="order-receipt"),
    path("events/orders/o/<str:token>/receipt/", ticket_pay_later_views.order_receipt_link, name="order-receipt-link"),
    path("events/orders/o/<str:token>/cancel/", ticket_cancel_views.order_cancel, name="order-cancel"),
    path(
        "events/orders/o/<str:token>/test-checkout/", ticket_order_views.order_test_checkout, name="order-test-checkout"
    ),
    path("events/<slug:slug>/", public.event_detail, name="detail"),
    path("events/<slug:slug>/register/", ticket_order_views.register, name="register"),
    path("events/<slug:slug>/waitlist/", ticket_waitlist_views.waitlist_join, name="waitlist-join"),
    path("events/<slug:slug>/waitlist/leave/", ticket_waitlist_views.waitlist_leave, name="waitlist-leave"),
    path("events/waitlist/<str:token>/leave/", ticket_waitlist_views.waitlist_leave_link, name="waitlist-leave-link"),
    path("events/<slug:slug>/rsvp/", public.event_answer, name="answer"),
    path("events/<slug:slug>/calendar.ics", public.event_ics, name="event-ics"),
    path("r/<str:token>/", rsvp_link.rsvp_link, name="rsvp-link"),
    path("r/<str:token>/answers/", rsvp_link.rsvp_answers, name="rsvp-answers"),
    path("r/<str:token>/cancel-ticket/", ticket_cancel_views.rsvp_ticket_cancel, name="rsvp-ticket-cancel"),
    path("r/<str:token>/event.ics", rsvp_link.rsvp_ics, name="rsvp-ics"),
    path("manage/events/", manage.manage_list, name="manage-list"),
    path("manage/events/new/", manage.event_create, name="manage-create"),
    path("manage/events/check-in/", door.door_lists, name="door-lists"),
    path("manage/events/check-in/<str:code>/", door.door_code, name="check-in-code"),
    path("manage/events/<slug:slug>/", manage.event_dashboard, name="manage-event"),
    path("manage/events/<slug:slug>/edit/", manage.event_edit, name="manage-edit"),
    path("manage/events/<slug:slug>/publish/", manage.event_publish, name="manage-publish"),
    path("manage/events/<slug:slug>/duplicate/", manage.event_duplicate, name="manage-duplicate"),
    path("manage/events/<slug:slug>/cancel/", manage.event_cancel, name="manage-cancel"),
    path("manage/events/<slug:slug>/reschedule/", manage.event_reschedule, name="manage-reschedule"),
    path("manage/events/<slug:slug>/invite/", manage.event_invite, name="manage-invite"),
    path("manage/events/<slug:slug>/messages/", messages.message_send, name="manage-message"),
    path("manage/events/<slug:slug>/messages/<int:pk>/cancel/", messages.message_cancel, name="manage-message-cancel"),
    path("manage/events/<slug:slug>/progress/", messages.progress, name="manage-progress"),
    path("manage/events/<slug:slug>/door-helpers/", manage.door_helper_add, name="manage-door-helper-add"),
    path(
        "manage/events/<slug:slug>/door-helpers/<int:user_id>/remove/",
        manage.door_helper_remove,
        name="manage-door-helper-remove",
    ),
    path("manage/events/<slug:slug>/tickets/", ticket_views.ticket_types_page, name="manage-tickets"),
    path(
        "manage/events/<slug:slug>/tickets/<int:ticket_type_id>/",
        ticket_views.ticket_type_edit,
        name="manage-ticket-edit",
    ),
    path(
        "manage/events/<slug:slug>/tickets/<int:ticket_type_id>/remove/",
        ticket_views.ticket_type_remove,
        name="manage-ticket-remove",
    ),
    path("manage/events/<slug:slug>/tickets/refunds/", ticket_cancel_manage.refunds_page, name="manage-ticket-refunds"),
    path(
        "manage/events/<slug:slug>/waitlist/<int:entry_id>/withdraw/",
        ticket_cancel_manage.offer_withdraw,
        name="manage-offer-withdraw",
    ),
    path("manage/events/<slug:slug>/discount-codes/", ticket_views.discount_code_add, name="manage-discount-add"),
    path(
        "manage/events/<slug:slug>/tickets/pay-later/",
        ticket_pay_later_views.pay_later_terms,
        name="manage-pay-later",
    ),
    path("manage/events/<slug:slug>/rsvps/", manage.rsvp_list, name="manage-rsvps"),
    path("manage/events/<slug:slug>/rsvps.csv", manage.rsvp_csv, name="manage-rsvps-csv"),
    path("manage/events/<slug:slug>/questions/", question_views.questions_page, name="manage-questions"),
    path(
        "manage/events/<slug:slug>/questions/<int:question_id>/edit/",
        question_views.question_edit,
        name="manage-question-edit",
    ),
    path(
        "manage/events/<slug:slug>/questions/<int:question_id>/move/",
        question_views.question_move,
        name="manage-question-move",
    ),
    path(
        "manage/events/<slug:slug>/questions/<int:question_id>/remove/",
        question_views.question_remove,
        name="manage-question-remove",
    ),
    path("manage/events/<slug:slug>/check-in/", door.door_list, name="check-in"),
    path("manage/events/<slug:slug>/check-in/<int:rsvp_id>/", door.door_mark, name="check-in-mark"),
]
