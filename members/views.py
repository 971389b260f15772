"""A member's own pages: join, pay, the confirmation page, their membership and
receipts, the one-step renewal link, and Stripe's webhook."""

import contextlib
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

import members.application_views as application_views
import members.applications as applications
from config.language_views import remember_member_language
from members import arrears, choice, households, local_checkout, stripe_webhooks
from members import stripe as card
from members.accounts import ensure_member
from members.directory_forms import ListingForm
from members.dues import DuesError
from members.forms import DuesForm, ProfileForm
from members.links import InvalidLink, read_card_token, read_promise_token, read_renewal_token, renewal_token
from members.models import Checkout, FailedPayment, Member, Payment, PaymentPromise, Plan, PromiseRequest
from members.money import AmountError, parse_amount
from members.profiles import has_address, save_own_details
from members.renewal import is_renewing, main_action, renewable_plans, renewal_choice, renewal_opens
from notifications.preferences import preferences_context


def _initial_from_choice(kept: dict, plan: Plan) -> dict:
    """A choice carried in the link or kept in the session (after signing up): GET only shows it."""
    initial = {"auto_renew": kept.get("auto_renew") == "1"}
    if plan.is_sliding and kept.get("amount"):
        with contextlib.suppress(AmountError):
            initial["amount"] = parse_amount(kept["amount"], plan.currency)
    return initial


def _asks(member: Member | None, plan: Plan) -> dict:
    """What joining asks of a signed-in member besides the dues: a name if they have
    none, an address if the plan needs one they have not given."""
    if member is None:
        return {}
    return {"ask_name": not member.name, "ask_address": plan.needs_address and not has_address(member)}


def _dues_forms(
    kept: dict, plans, *, chosen: Plan | None, bound: DuesForm | None, defaults: dict | None = None, member=None
):
    """One form per plan; the plan just submitted keeps its errors."""
    forms = []
    for plan in plans:
        if bound is not None and plan == bound.plan:
            forms.append(bound)
            continue
        initial = dict((defaults or {}).get(plan.pk, {}))
        if plan == chosen:
            initial.update(_initial_from_choice(kept, plan))
        forms.append(DuesForm(plan=plan, prefix=plan.slug, initial=initial, **_asks(member, plan)))
    return forms


def _bind(request, plans, *, member=None) -> DuesForm | None:
    plan = next((p for p in plans if p.slug == request.POST.get("plan")), None)
    if plan is None:
        return None
    offline = request.POST.get("pay") == "offline"
    return DuesForm(request.POST, plan=plan, offline=offline, prefix=plan.slug, **_asks(member, plan))


CHECKOUTS_IN_SESSION = "members.checkouts"
CHECKOUTS_KEPT = 20


def _remember_checkout(request, checkout: Checkout) -> None:
    """The confirmation page and its status answer only the browser that started the checkout."""
    started = [c for c in request.session.get(CHECKOUTS_IN_SESSION, []) if c != str(checkout.public_id)]
    request.session[CHECKOUTS_IN_SESSION] = [*started, str(checkout.public_id)][-CHECKOUTS_KEPT:]


def _checkout_for_browser(request, public_id) -> Checkout:
    if str(public_id) not in request.session.get(CHECKOUTS_IN_SESSION, []):
        raise Http404("No checkout was started in this browser with that id.")
    return get_object_or_404(Checkout.objects.select_related("member__user", "plan"), public_id=public_id)


def _promise(request, member: Member, form: DuesForm, *, confirm_by_email: bool):
    """A promise to pay offline; through a renewal link, only once confirmed from the member's email."""
    promised = {"member": member, "plan": form.plan, "amount_cents": form.amount_cents}
    method = form.cleaned_data["offline_method"]
    if confirm_by_email:
        arrears.request_promise(**promised, method=method)
        messages.success(request, _("We have emailed you a link: open it to confirm how you will pay."))
    else:
        arrears.promise_payment(**promised, method=method)
        messages.success(request, _("Thank you. We have noted that you will pay; the details are in your email."))


def _pay(
    request, member: Member, form: DuesForm, *, after_promise: str, confirm_by_email: bool = False, return_path=""
):
    """Card: off to Stripe (or the local test checkout). Offline: the promise is recorded."""
    plan = form.plan
    try:
        applications.check_may_pay(member, plan)
        if form.offline:
            _promise(request, member, form, confirm_by_email=confirm_by_email)
            return redirect(after_promise)
        purpose = Checkout.Purpose.RENEWAL if is_renewing(member) else Checkout.Purpose.JOIN
        checkout, url = card.start_checkout(
            member=member,
            plan=plan,
            amount_cents=form.amount_cents,
            auto_renew=bool(form.cleaned_data.get("auto_renew")),
            purpose=purpose,
            return_path=return_path,
        )
    except (card.CardPaymentsUnavailable, DuesError) as error:
        messages.error(request, str(error))
        return None
    _remember_checkout(request, checkout)
    return redirect(url)


def _keep_and_sign_up(request, bound: DuesForm, return_path: str):
    """A signed-out visitor's valid choice: kept (in the session and in allauth's `next`)
    while they create an account or sign in."""
    query = {"plan": bound.plan.slug, "auto_renew": "1" if bound.cleaned_data.get("auto_renew") else ""}
    if bound.plan.is_sliding:
        query["amount"] = bound.data.get(bound.add_prefix("amount"), "")
    if return_path:
        query["return_path"] = return_path
    choice.keep_choice(request, query)
    messages.info(request, _("Create your account, or sign in, to continue. Your choice is kept."))
    next_url = f"{reverse('members:join')}?{urlencode(query)}"
    return redirect(f"{reverse('account_signup')}?{urlencode({'next': next_url})}")


def _join_choice(request, plans, member) -> tuple[dict, Plan | None]:
    """The plan to show alone, ready to pay: the one chosen (link or session), else, for a
    member renewing, their own; none when the person asked to see every plan."""
    if request.GET.get("all"):
        return {}, None
    kept = choice.kept_choice(request)
    chosen = choice.chosen_plan(plans, kept)
    if chosen is None and member is not None and is_renewing(member):
        own, _amount = renewal_choice(member)
        chosen = own if own in plans else None
    return kept, chosen


@require_http_methods(["GET", "HEAD", "POST"])
def join(request):
    plans = list(Plan.objects.filter(is_open=True))
    member = ensure_member(request.user) if request.user.is_authenticated else None
    kept, chosen = _join_choice(request, plans, member)
    return_path = choice.safe_return_path(request, request.GET.get("return_path") or kept.get("return_path"))
    bound = _bind(request, plans, member=member) if request.method == "POST" else None
    if bound is not None and bound.is_valid():
        if member is not None and bound.details.fields:
            member = save_own_details(member=member, values=bound.details.values())
        if member is None:
            return _keep_and_sign_up(request, bound, return_path)
        response = _pay(request, member, bound, after_promise=reverse("members:membership"), return_path=return_path)
        if response is not None:
            choice.forget_choice(request)
            return response
    if request.GET.get("cancelled"):
        messages.info(request, _("You left the checkout, so nothing was charged. You can try again below."))
    shown = [bound.plan if bound is not None else chosen] if chosen is not None else plans
    forms = _dues_forms(kept, shown, chosen=chosen, bound=bound, member=member)
    application_views.attach_applications(forms, member)
    action = reverse("members:join")
    context = {
        "forms": forms,
        "member": member,
        "standing": member.standing() if member else None,
        "card_available": card.card_payments_available(),
        "local_checkout": card.uses_local_checkout(),
        "single": chosen,
        "renewing": member is not None and is_renewing(member),
        "action": f"{action}?{urlencode({'return_path': return_path})}" if return_path else action,
        "all_plans_url": f"{action}?{urlencode({'all': 1, 'return_path': return_path} if return_path else {'all': 1})}",
    }
    return render(request, "members/join.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
def renew(request, token):
    try:
        member, _term_id = read_renewal_token(token)
    except InvalidLink as error:
        return render(request, "members/renew_invalid.html", {"reason": str(error)}, status=400)
    if households.covering(member) is not None:
        # Renewing would make a person covered by a household pay in their own name.
        reason = _("Your membership is covered by another member's: they renew it for you.")
        return render(request, "members/renew_invalid.html", {"reason": reason}, status=400)
    plans = list(renewable_plans(member))
    plan, amount = renewal_choice(member)
    plan = plan if plan in plans else None
    bound = _bind(request, plans) if request.method == "POST" else None
    if bound is not None and bound.is_valid():
        response = _pay(request, member, bound, after_promise=request.path, confirm_by_email=True)
        if response is not None:
            return response
    defaults = {plan.pk: {"amount": amount}} if plan else {}
    # The member's own plan alone, ready to pay; the others only when asked for.
    single = plan if plan is not None and not request.GET.get("all") else None
    if single is not None:
        plans = [bound.plan if bound is not None else plan]
    # Whoever holds the link sees this page: the member's name, nothing of their standing.
    context = {
        "member": member,
        "forms": _dues_forms({}, plans, chosen=plan, bound=bound, defaults=defaults),
        "suggested_plan": plan,
        "suggested_amount": amount,
        "single": single,
        "all_plans_url": f"{request.path}?all=1",
        "card_available": card.card_payments_available(),
        "local_checkout": card.uses_local_checkout(),
        "action": request.path,
    }
    return render(request, "members/renew.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
def confirm_promise(request, token):
    """The link in the email sent after a promise made through a renewal link: a GET shows
    what will be promised, the button records it (once)."""
    try:
        member, request_id = read_promise_token(token)
    except InvalidLink as error:
        return render(request, "members/renew_invalid.html", {"reason": str(error)}, status=400)
    pending = PromiseRequest.objects.filter(pk=request_id, member=member).select_related("plan").first()
    if pending is None or pending.confirmed_at is not None:
        reason = _("This confirmation link has been used already, or is not valid any more.")
        return render(request, "members/renew_invalid.html", {"reason": reason}, status=400)
    if request.method == "POST":
        try:
            arrears.confirm_promise(member=member, request_id=pending.pk)
        except DuesError as error:
            return render(request, "members/renew_invalid.html", {"reason": str(error)}, status=400)
        messages.success(request, _("Thank you. We have noted that you will pay; the details are in your email."))
        return redirect("home")
    return render(request, "members/confirm_promise.html", {"pending": pending})


def _local_only():
    if not card.uses_local_checkout():
        raise Http404("The local test checkout exists only in a local run without Stripe keys.")


@require_http_methods(["GET", "HEAD", "POST"])
def local_test_checkout(request, public_id):
    _local_only()
    checkout = _checkout_for_browser(request, public_id)
    if not checkout.is_local_test:
        raise Http404("This checkout is handled by Stripe.")
    done = reverse("members:checkout-done", args=[checkout.public_id])
    if checkout.completed_at or checkout.payment_id:
        return redirect(done)
    if request.method == "POST":
        if request.POST.get("action") == "cancel":
            return redirect(f"{reverse('members:join')}?plan={checkout.plan.slug}&cancelled=1")
        local_checkout.pay(checkout)
        return redirect(done)
    return render(request, "members/local_checkout.html", {"checkout": checkout})


@require_safe
def checkout_done(request, public_id):
    checkout = _checkout_for_browser(request, public_id)
    return_path = choice.safe_return_path(request, checkout.return_path)
    context = {"checkout": checkout, "status": _status(checkout), "return_path": return_path}
    return render(request, "members/checkout_done.html", context)


def _greeting(checkout: Checkout, member: Member, paid_through) -> str:
    """A renewal is greeted as a renewal; joining says welcome."""
    until = date_format(paid_through, "DATE_FORMAT") if paid_through else ""
    if checkout.purpose == Checkout.Purpose.RENEWAL:
        if member.has_lifetime_membership:
            return _("Your membership is renewed for life.")
        return (
            _("Your membership is renewed to %(date)s.") % {"date": until}
            if until
            else _("Your membership is renewed.")
        )
    greeting = _("Welcome, you are a member.")
    if member.member_number:
        greeting = _("Welcome, you are a member: your member number is %(number)s.") % {"number": member.member_number}
    # Marked outside an f-string: the extractor (xgettext) reads no string inside one.
    if member.has_lifetime_membership:
        life = _("Your membership is for life.")
        return f"{greeting} {life}"
    if not until:
        return greeting
    runs = _("Your membership runs until %(date)s.") % {"date": until}
    return f"{greeting} {runs}"


def _status(checkout: Checkout) -> dict:
    member = Member.objects.prefetch_related("terms").get(pk=checkout.member_id)
    standing = member.standing()
    paid_through = member.paid_through()
    return {
        "greeting": _greeting(checkout, member, paid_through),
        "renewal": checkout.purpose == Checkout.Purpose.RENEWAL,
        "confirmed": checkout.payment_id is not None,
        "standing": standing.value,
        "standing_label": standing.label,
        "member_number": member.member_number,
        "lifetime": member.has_lifetime_membership,
        "paid_through": paid_through.isoformat() if paid_through else None,
        "paid_through_display": date_format(paid_through, "DATE_FORMAT") if paid_through else "",
        "membership_url": reverse("members:membership"),
    }


@never_cache
@require_safe
def checkout_status(request, public_id):
    """What the confirmation page polls until the webhook has landed (for the browser that paid)."""
    checkout = _checkout_for_browser(request, public_id)
    return JsonResponse(_status(checkout))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def membership(request):
    member = ensure_member(request.user)
    form = ProfileForm(request.POST or None, instance=member)
    if request.method == "POST" and form.is_valid():
        form.save()
        remember_member_language(request, member.language)
        messages.success(request, _("Your details are saved."))
        return redirect("members:membership")
    member = Member.objects.prefetch_related("terms__plan").get(pk=member.pk)
    current = member.current_term()
    context = {
        "member": member,
        "covered_by": households.covering(member),
        "standing": member.standing(),
        "main_action": main_action(member.standing(), member.paid_through(), today=timezone.localdate()),
        "renew_opens": renewal_opens(member.paid_through()),
        "term": current,
        "paid_through": member.paid_through(),
        "payments": member.payments.select_related("plan"),
        "failed": member.failed_payments.filter(resolved_at__isnull=True).first(),
        "promise": member.promises.filter(status=PaymentPromise.Status.OPEN).first(),
        "renew_url": reverse("members:renew", args=[renewal_token(member, current)]),
        "can_manage_card": bool(member.stripe_customer_id) and card.card_payments_available(),
        "form": form,
        "listing_form": ListingForm(instance=member),
        "in_good_standing": member.in_good_standing(),
        **preferences_context(email=request.user.email, next_url=request.path),
    }
    return render(request, "members/membership.html", context)


@login_required
@require_safe
def receipt(request, receipt_number):
    payment = get_object_or_404(
        Payment.objects.select_related("member__user", "plan"), receipt_number=receipt_number, member__user=request.user
    )
    return render(request, "members/receipt.html", {"payment": payment, "term": payment.terms.first()})


@login_required
@require_POST
def billing_portal(request):
    member = ensure_member(request.user)
    try:
        return redirect(card.portal_url(member))
    except card.CardPaymentsUnavailable as error:
        messages.error(request, str(error))
        return redirect("members:membership")


@require_http_methods(["GET", "HEAD", "POST"])
def card_settings(request, token):
    """The link in a 'payment failed' or 'renews soon' email: one button to the card settings,
    for the member it was sent to once signed in (the sign-in page offers a code by email)."""
    try:
        member = read_card_token(token)
    except InvalidLink as error:
        return render(request, "members/renew_invalid.html", {"reason": str(error), "title": "card"}, status=400)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if request.user.pk != member.user_id:
        reason = _("This link was sent to another member. Sign out, then sign in as the member it was sent to.")
        return render(request, "members/renew_invalid.html", {"reason": reason, "title": "card"}, status=403)
    if request.method == "POST":
        try:
            return redirect(card.portal_url(member))
        except card.CardPaymentsUnavailable as error:
            messages.error(request, str(error))
    failed = member.failed_payments.filter(resolved_at__isnull=True).first()
    return render(request, "members/card.html", {"member": member, "failed": failed})


LOCAL_PORTAL_ACTIONS = {
    "cancel": (
        lambda m: local_checkout.cancel_auto_renew(m),
        gettext_lazy("Auto-renew is off. No more charges will be made."),
    ),
    "charge": (
        lambda m: local_checkout.renewal_charge(m, succeeds=True),
        gettext_lazy("The yearly charge went through."),
    ),
    "decline": (
        lambda m: local_checkout.renewal_charge(m, succeeds=False),
        gettext_lazy("The yearly charge was declined."),
    ),
}


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def local_test_portal(request):
    """Stands in for Stripe's customer portal in a local run without keys."""
    _local_only()
    member = ensure_member(request.user)
    if request.method == "POST" and request.POST.get("action") in LOCAL_PORTAL_ACTIONS:
        action, done = LOCAL_PORTAL_ACTIONS[request.POST["action"]]
        try:
            action(member)
            messages.success(request, done)
        except local_checkout.LocalCheckoutError as error:
            messages.error(request, str(error))
        return redirect("members:membership")
    failed = FailedPayment.objects.filter(member=member, resolved_at__isnull=True).first()
    return render(request, "members/local_portal.html", {"member": member, "failed": failed})


@csrf_exempt
@require_POST
def stripe_webhook(request):
    try:
        outcome = stripe_webhooks.receive(payload=request.body, signature=request.headers.get("Stripe-Signature"))
    except stripe_webhooks.WrongApiVersion as error:
        # 400, not 2xx: Stripe keeps the event as failed (retrying for three days, and
        # resendable from the dashboard), so none is lost once the endpoint's version is
        # fixed; a 2xx would drop it for good. Not 5xx: nothing here is broken.
        return HttpResponseBadRequest(f"Refused: {error}", content_type="text/plain")
    except stripe_webhooks.BadWebhook:
        return HttpResponseBadRequest("Invalid Stripe signature or payload.")
    return JsonResponse({"received": True, "outcome": outcome})
