"""The global search's page at /search/?q= (the header's box submits there) and, for an HTMX
request from that box, the dropdown of top results while typing."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from prosync import search

PAGE_LIMIT = 8  # results of each kind on the page; "Show all" lists one kind
KIND_LIMIT = 50
DROPDOWN_LIMIT = 3


class SearchForm(forms.Form):
    q = forms.CharField(label="Search", min_length=search.MIN_LENGTH, max_length=search.MAX_LENGTH,
                        error_messages={"min_length": "Type at least %(limit_value)d characters to search.",
                                        "max_length": "Search for at most %(limit_value)d characters."})
    kind = forms.ChoiceField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "All"), *search.kinds().items()]


@login_required
@require_GET
@vary_on_headers("HX-Request")
def search_page(request):
    form = SearchForm(request.GET) if request.GET.get("q", "").strip() else SearchForm()
    dropdown = bool(request.htmx) and not request.htmx.boosted
    groups, status = [], 200
    if form.is_bound and form.is_valid():
        kind = form.cleaned_data["kind"] or None
        limit = DROPDOWN_LIMIT if dropdown else (KIND_LIMIT if kind else PAGE_LIMIT)
        groups = search.search(request.user, form.cleaned_data["q"], kind=kind, limit=limit)
    elif form.is_bound and not dropdown:
        status = 400
    q = form.data.get("q", "").strip() if form.is_bound else ""
    for group in groups:
        for hit in group.hits:
            hit.title_html, hit.context_html = search.highlight(hit.title, q), search.highlight(hit.context, q)
    context = {"form": form, "q": q, "groups": groups, "kind": form.cleaned_data.get("kind") if form.is_bound and
               form.is_valid() else "", "kinds": search.kinds(), "total": sum(g.count for g in groups),
               "more": any(g.more for g in groups)}
    template = "search/_dropdown.html" if dropdown else "search/page.html"
    return render(request, template, context, status=status)
