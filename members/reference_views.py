"""The treasurer records a bank transfer by its reference (a ticket reservation's, say):
/manage/payments/by-reference/, also offered on the page that records dues by hand."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from members import reference_payments
from members.forms import AmountField
from members.roles import TREASURER, role_required


class ReferencePaymentForm(forms.Form):
    reference = forms.CharField(label=gettext_lazy("Reference on the transfer"), max_length=40)
    amount = AmountField(label=gettext_lazy("Amount received"))
    received_on = forms.DateField(label=gettext_lazy("Received on"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="by-reference", **kwargs)
        self.fields["amount"].label = _("Amount received (%(currency)s)") % {"currency": settings.CURRENCY}
        self.fields["received_on"].initial = timezone.localdate()

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if not amount:
            raise forms.ValidationError(_("Enter the amount received (more than zero)."), code="amount")
        return amount

    def clean_received_on(self):
        day = self.cleaned_data["received_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The day received cannot be in the future."), code="future")
        return day


@role_required(TREASURER)
@require_http_methods(["GET", "HEAD", "POST"])
def record_by_reference(request):
    form = ReferencePaymentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            settled = reference_payments.settle(
                reference=data["reference"], amount_cents=data["amount"], received_on=data["received_on"],
                by=request.user,
            )  # fmt: skip
        except reference_payments.ReferenceRefused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, settled.message)
            if settled.payment is not None:
                return redirect("members:manage-payment", pk=settled.payment.pk)
            return redirect("members:manage-payments")
    status = 400 if form.is_bound else 200
    return render(request, "members/manage/record_by_reference.html", {"form": form}, status=status)
