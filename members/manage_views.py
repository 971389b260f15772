"""The treasurer's pages under /manage/: plans, members, payments, and the queues of
money not yet received. Treasurers and superusers only; everyone else gets 403."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from members import arrears, audit_listing, dues, payment_refunds, plans, roster, unapplied
from members import stripe as card
from members.dues import DuesError
from members.forms import (
    MemberFilterForm,
    NoteForm,
    OfflinePaymentForm,
    PaymentFilterForm,
    PlanForm,
    RefundForm,
    ResolveForm,
    VoidForm,
)
from members.models import (
    Dispute,
    FailedPayment,
    Member,
    MembershipTerm,
    Payment,
    PaymentPromise,
    Plan,
    RefusedWebhook,
    UnappliedMoney,
)
from members.reference_views import ReferencePaymentForm
from members.roles import TREASURER, role_required

PAGE_SIZE = 50

treasurer_only = role_required(TREASURER)


def _csv(filename: str, lines) -> StreamingHttpResponse:
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _page(request, items):
    return Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@treasurer_only
@require_safe
def plan_list(request):
    return render(request, "members/manage/plan_list.html", {"plans": Plan.objects.all()})


@treasurer_only
@require_http_methods(["GET", "HEAD", "POST"])
def plan_edit(request, pk=None):
    plan = get_object_or_404(Plan, pk=pk) if pk else None
    form = PlanForm(request.POST or None, instance=plan)
    if request.method == "POST" and form.is_valid():
        saved = plans.save_plan(plan=plan, values=form.cleaned_data, by=request.user)
        messages.success(request, _("The plan “%(name)s” is saved.") % {"name": saved.name})
        return redirect("members:manage-plans")
    return render(request, "members/manage/plan_form.html", {"form": form, "plan": plan})


@treasurer_only
@require_safe
def member_list(request):
    form = MemberFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    members = roster.member_list(filters)
    if request.GET.get("format") == "csv":
        stamp = timezone.localdate().isoformat()
        return _csv(f"members-{stamp}.csv", roster.csv_rows(roster.MEMBER_HEADER, roster.member_rows(members)))
    context = {"form": form, "page": _page(request, members), "query": _query_without_page(request)}
    return render(request, "members/manage/member_list.html", context)


def _member_for_treasurer(pk) -> Member:
    terms = MembershipTerm.objects.select_related("plan", "payment").order_by("-start", "-pk")
    return get_object_or_404(
        Member.objects.select_related("user").prefetch_related(Prefetch("terms", queryset=terms)), pk=pk
    )


@treasurer_only
@require_safe
def member_detail(request, pk):
    member = _member_for_treasurer(pk)
    context = {
        "member": member,
        "standing": member.standing(),
        "paid_through": member.paid_through(),
        "terms": member.terms.all(),
        "payments": member.payments.select_related("plan", "recorded_by", "status_changed_by"),
        "notes": member.notes.select_related("author"),
        "failed": member.failed_payments.all(),
        "promises": member.promises.select_related("plan"),
        "note_form": NoteForm(),
        "history": audit_listing.recent_history(member),
        "stripe_links": {
            "customer": card.dashboard_url(member.stripe_customer_id),
            "subscription": card.dashboard_url(member.stripe_subscription_id),
        },
    }
    return render(request, "members/manage/member_detail.html", context)


@treasurer_only
@require_POST
def member_note(request, pk):
    member = get_object_or_404(Member, pk=pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        arrears.add_note(member=member, text=form.cleaned_data["text"], by=request.user)
        messages.success(request, _("Note added."))
    else:
        messages.error(request, _("The note is empty."))
    return redirect("members:manage-member", pk=member.pk)


@treasurer_only
@require_http_methods(["GET", "HEAD", "POST"])
def record_offline_payment(request, pk):
    member = get_object_or_404(Member.objects.select_related("user"), pk=pk)
    promise = member.promises.filter(status=PaymentPromise.Status.OPEN).first()
    initial = {"plan": promise.plan, "method": promise.method, "amount": promise.amount_cents} if promise else {}
    form = OfflinePaymentForm(request.POST or None, initial=initial, member=member)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            payment = dues.record_payment(
                member=member,
                plan=data["plan"],
                amount_cents=data["amount"],
                method=data["method"],
                received_on=data["received_on"],
                reference=data["reference"],
                by=request.user,
                date_confirmation=data["date_reason"],
            )
        except DuesError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("Payment recorded, receipt %(number)s; the receipt is emailed.") % {"number": payment.receipt_number},
            )
            return redirect("members:manage-member", pk=member.pk)
    context = {"member": member, "form": form, "promise": promise, "reference_form": ReferencePaymentForm()}
    return render(request, "members/manage/record_payment.html", context)


@treasurer_only
@require_safe
def payment_list(request):
    form = PaymentFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    payments = roster.payment_list(filters)
    if request.GET.get("format") == "csv":
        stamp = timezone.localdate().isoformat()
        return _csv(f"payments-{stamp}.csv", roster.csv_rows(roster.PAYMENT_HEADER, roster.payment_rows(payments)))
    context = {"form": form, "page": _page(request, payments), "query": _query_without_page(request)}
    return render(request, "members/manage/payment_list.html", context)


@treasurer_only
@require_safe
def payment_detail(request, pk):
    payment = get_object_or_404(
        Payment.objects.select_related("member__user", "plan", "recorded_by", "status_changed_by"), pk=pk
    )
    context = {
        "payment": payment,
        "terms": payment.terms.all(),
        "refund_form": RefundForm(prefix="refund", currency=payment.currency),
        "void_form": VoidForm(prefix="void"),
        "remaining_cents": payment.amount_cents - payment.refunded_cents,
        "history": audit_listing.recent_history(payment),
        "stripe_links": [
            card.dashboard_url(i)
            for i in (payment.stripe_payment_intent_id, payment.stripe_invoice_id)
            if card.dashboard_url(i)
        ],
    }
    return render(request, "members/manage/payment_detail.html", context)


@treasurer_only
@require_POST
def payment_change(request, pk, action):
    """Refund or void a payment, with a reason. Nothing is deleted."""
    payment = get_object_or_404(Payment, pk=pk)
    refunder = payment_refunds.refunder_for(payment.kind) if payment.kind != Payment.Kind.DUES else None
    if payment.kind != Payment.Kind.DUES and (refunder is None or action != "refund"):
        messages.error(request, _("Ticket money is refunded from the event's order, not here."))
        return redirect("members:manage-payment", pk=payment.pk)
    if action == "refund":
        form = RefundForm(request.POST, prefix=action, currency=payment.currency)
    else:
        form = VoidForm(request.POST, prefix=action)
    if not form.is_valid():
        errors = form.errors.get("amount") or [_("Say why, in a few words; the reason is kept with the payment.")]
        messages.error(request, " ".join(errors))
        return redirect("members:manage-payment", pk=payment.pk)
    reason, end_term = form.cleaned_data["reason"], form.cleaned_data["end_term"]
    try:
        if action == "refund":
            amount = form.cleaned_data.get("amount")
            if refunder is not None:  # another app's payment (tickets): it also cancels what was bought
                refunder(payment=payment, amount_cents=amount, reason=reason, by=request.user)
                if payment.method == Payment.Method.CARD:
                    messages.success(request, _("The refund is recorded; the card is refunded and the buyer told."))
                else:
                    messages.success(
                        request,
                        _(
                            "The refund is recorded. It was not paid by card, so nothing goes to a card: "
                            "return the money to the buyer by bank transfer, if it is not already done."
                        ),
                    )
            else:
                card.refund(payment=payment, amount_cents=amount, reason=reason, by=request.user, end_term=end_term)
                messages.success(request, _("The refund is recorded and the member is sent a refund receipt."))
        else:
            dues.void_payment(payment=payment, reason=reason, by=request.user, end_term=end_term)
            messages.success(request, _("The payment is void."))
    except (DuesError, card.CardPaymentsUnavailable) as error:
        messages.error(request, str(error))
    return redirect("members:manage-payment", pk=payment.pk)


@treasurer_only
@require_safe
def payment_receipt(request, pk):
    payment = get_object_or_404(Payment.objects.select_related("member__user", "plan"), pk=pk)
    context = {
        "payment": payment,
        "term": payment.terms.first(),
        "back_url": reverse("members:manage-payment", args=[pk]),
    }
    return render(request, "members/receipt.html", context)


@treasurer_only
@require_POST
def term_reinstate(request, pk):
    term = get_object_or_404(MembershipTerm, pk=pk)
    try:
        dues.reinstate_term(term=term, by=request.user)
        messages.success(request, _("The term runs to its end again."))
    except DuesError as error:
        messages.error(request, str(error))
    return redirect("members:manage-member", pk=term.member_id)


@treasurer_only
@require_safe
def arrears_queues(request):
    failed = FailedPayment.objects.filter(resolved_at__isnull=True).select_related("member__user")
    promises = PaymentPromise.objects.filter(status=PaymentPromise.Status.OPEN).select_related("member__user", "plan")
    recent = FailedPayment.objects.filter(resolved_at__isnull=False).select_related("member__user", "resolved_by")
    context = {"failed": failed, "promises": promises, "recent": recent[:20], "resolve_form": ResolveForm()}
    return render(request, "members/manage/arrears.html", context)


@treasurer_only
@require_POST
def failed_resolve(request, pk):
    failed = get_object_or_404(FailedPayment, pk=pk)
    form = ResolveForm(request.POST)
    try:
        if not form.is_valid():
            raise DuesError(_("Say how this was resolved; the note is kept."))
        arrears.resolve_failed_charge(failed=failed, by=request.user, note=form.cleaned_data["note"])
        messages.success(request, _("The failed payment is resolved."))
    except DuesError as error:
        messages.error(request, str(error))
    return redirect("members:manage-arrears")


@treasurer_only
@require_POST
def promise_withdraw(request, pk):
    promise = get_object_or_404(PaymentPromise, pk=pk)
    try:
        arrears.withdraw_promise(promise=promise, by=request.user, note=request.POST.get("note", ""))
        messages.success(request, _("The promise is closed."))
    except DuesError as error:
        messages.error(request, str(error))
    return redirect("members:manage-arrears")


@treasurer_only
@require_safe
def unapplied_money(request):
    """Money we received but did not apply, disputes, and webhook configuration problems."""
    context = {
        "open_items": UnappliedMoney.objects.filter(status=UnappliedMoney.Status.OPEN).select_related(
            "member__user", "plan"
        ),
        "settled": UnappliedMoney.objects.exclude(status=UnappliedMoney.Status.OPEN).select_related(
            "member__user", "settled_by", "payment"
        )[:20],
        "disputes": Dispute.objects.select_related("payment__member__user")[:50],
        "refused": RefusedWebhook.objects.all()[:20],
        "api_version": card.API_VERSION,
    }
    return render(request, "members/manage/unapplied.html", context)


@treasurer_only
@require_POST
def unapplied_settle(request, pk, action):
    """Apply held money to the member it names, or refund it through Stripe."""
    item = get_object_or_404(UnappliedMoney, pk=pk)
    try:
        if action == "apply":
            payment = unapplied.apply(item=item, by=request.user)
            messages.success(request, _("Applied: receipt %(number)s.") % {"number": payment.receipt_number})
        else:
            unapplied.refund(item=item, by=request.user)
            messages.success(request, _("The money is refunded."))
    except (DuesError, card.CardPaymentsUnavailable) as error:
        messages.error(request, str(error))
    return redirect("members:manage-unapplied")
