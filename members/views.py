from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from members.accounts import ensure_member
from members.forms import ProfileForm
from members.models import Plan


@require_safe
def join(request):
    plans = Plan.objects.filter(is_open=True)
    return render(request, "members/join.html", {"plans": plans})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def membership(request):
    member = ensure_member(request.user)
    form = ProfileForm(request.POST or None, instance=member)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your details are saved.")
        return redirect("members:membership")
    context = {"member": member, "standing": member.standing(), "form": form}
    return render(request, "members/membership.html", context)
