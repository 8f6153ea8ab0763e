"""The global search over the API: /api/v1/search/?q=&kind= with each result's kind, title, URL
and score, grouped counts first; the same engine and scoping as the /search/ page."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from prosync import search

DEFAULT_LIMIT = 10
MAX_LIMIT = 50


class SearchParamsSerializer(serializers.Serializer):
    q = serializers.CharField(min_length=search.MIN_LENGTH, max_length=search.MAX_LENGTH,
                              help_text="Words, a tag, a number (WO-00123); misspellings are tolerated.")
    kind = serializers.ChoiceField(choices=[], required=False, help_text="Only results of this kind.")
    limit = serializers.IntegerField(min_value=1, max_value=MAX_LIMIT, default=DEFAULT_LIMIT,
                                     help_text="Results of each kind.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = list(search.kinds())


class SearchHitSerializer(serializers.Serializer):
    kind = serializers.CharField()
    title = serializers.CharField()
    context = serializers.CharField(help_text="A short line saying which one it is (status, site, asset).")
    url = serializers.URLField()
    score = serializers.FloatField(help_text="Higher is better; an exact tag or number scores above 2.")


class SearchGroupSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField(help_text="Matches of this kind the user may see.")
    more = serializers.BooleanField(help_text="More matches than counted (a very common word).")


class SearchResponseSerializer(serializers.Serializer):
    query = serializers.CharField()
    groups = SearchGroupSerializer(many=True)
    results = SearchHitSerializer(many=True)


class SearchView(APIView):
    permission_classes = [IsAuthenticated]  # what each user finds is decided by every model's for_user

    @extend_schema(
        summary="Search assets, locations, work orders, requests, parts and documents",
        parameters=[SearchParamsSerializer],
        responses=SearchResponseSerializer)
    def get(self, request):
        params = SearchParamsSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        groups = search.search(request.user, params.validated_data["q"], kind=params.validated_data.get("kind"),
                               limit=params.validated_data["limit"])
        results = [{**vars(hit), "url": request.build_absolute_uri(hit.url)} for g in groups for hit in g.hits]
        return Response(SearchResponseSerializer({
            "query": params.validated_data["q"],
            "groups": [{"kind": g.kind, "label": g.label, "count": g.count, "more": g.more} for g in groups],
            "results": results}).data)
