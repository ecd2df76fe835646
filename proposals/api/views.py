"""Strategy pool API: input serializer → service → output serializer.

Concurrency: GET /api/strategies/{id}/ answers with `ETag: "r<number>"`.  An update must say which
revision it started from — `If-Match: "r<number>"` or `base_revision` in the body — and is refused
with 409 (`error.code == "conflict"`, the current revision and your text in the body) when someone
saved in between; 428 when it says neither.
"""

from __future__ import annotations

import re
from typing import TypeVar

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from drf_spectacular.utils import OpenApiResponse
from drf_spectacular.utils import extend_schema
from drf_spectacular.utils import inline_serializer
from rest_framework import generics
from rest_framework import mixins
from rest_framework import serializers
from rest_framework import status
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cxops.errors import ApplicationError
from cxops.inputs import parse_id
from cxops.roles import ALL_ROLES
from cxops.roles import Role
from cxops.roles import roles_permission

from ..filters import StrategyFilterSet
from ..models import Comment
from ..models import Revision
from ..models import Strategy
from ..policies import can_moderate
from ..selectors import pool_search
from ..selectors import revision_diff
from ..services.discussion import comment_create
from ..services.discussion import comment_edit
from ..services.discussion import comment_hide
from ..services.discussion import comment_unhide
from ..services.discussion import strategy_follow
from ..services.discussion import strategy_unfollow
from ..services.strategies import strategy_create
from ..services.strategies import strategy_restore
from ..services.strategies import strategy_update
from ..services.transitions import strategy_transition
from ..services.votes import vote_cast
from ..services.votes import vote_retract
from . import serializers as s

ERROR = inline_serializer(
    "PoolError",
    {
        "error": inline_serializer(
            "PoolErrorBody", {"code": serializers.CharField(), "message": serializers.CharField()}
        )
    },
)
CONFLICT = OpenApiResponse(
    response=inline_serializer(
        "StrategyConflict",
        {
            "error": inline_serializer(
                "StrategyConflictBody",
                {
                    "code": serializers.CharField(default="conflict"),
                    "message": serializers.CharField(),
                    "base_revision": serializers.IntegerField(),
                    "current_revision": serializers.IntegerField(),
                    "current": serializers.DictField(help_text="The current revision's content."),
                    "yours": serializers.DictField(help_text="The content you sent, so nothing is lost."),
                },
            )
        },
    ),
    description="Someone saved a newer revision after the one you started from.",
)
_ETAG = re.compile(r'^\s*(?:W/)?"r(\d+)"\s*$')
SerializerT = TypeVar("SerializerT", bound=serializers.Serializer)


def _etag(strategy: Strategy) -> str:
    return f'"r{strategy.current_revision}"'


def _detail_response(strategy: Strategy, *, status_code: int = status.HTTP_200_OK) -> Response:
    """The strategy with its revision as the ETag (what the next edit sends back as If-Match)."""
    response = Response(s.StrategyDetailOutputSerializer(strategy).data, status=status_code)
    response["ETag"] = _etag(strategy)
    return response


class StrategyPagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 200


def _edit_input(request: Request, serializer_class: type[SerializerT]) -> tuple[SerializerT, int]:
    """An edit's validated input and the revision it was made from (`base_revision`, else the
    If-Match header): an edit that does not say is refused with 428."""
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    explicit = serializer.validated_data.get("base_revision")
    if explicit is not None:
        return serializer, explicit
    match = _ETAG.match(request.headers.get("If-Match", ""))
    if match:
        return serializer, int(match.group(1))
    raise PreconditionRequired()


class PreconditionRequired(APIException):
    """An update that does not say which revision it edited could overwrite someone silently."""

    status_code = 428
    default_code = "precondition_required"
    default_detail = 'Say which revision you edited: send If-Match: "r<number>" (the ETag) or base_revision.'


@extend_schema(tags=["strategy pool"])
class StrategyViewSet(viewsets.GenericViewSet):
    """Strategies: the P/C/E/S pages of the pool, their revisions, status, votes and follows."""

    queryset = Strategy.objects.select_related("product", "created_by", "official_answer_by")
    pagination_class = StrategyPagination
    serializer_class = s.StrategyDetailOutputSerializer
    filterset_class = StrategyFilterSet  # the list's; get_object reads get_queryset alone

    def get_object(self) -> Strategy:
        # DRF's helper answers 404 for a malformed id (/strategies/x/); Django's raised a 500.
        return generics.get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def get_permissions(self):
        # Role gates up front (the services check again, per object): analysts create, product
        # owners vote; reading, editing and discussing are open to everyone signed in.
        if self.action == "create":
            return [IsAuthenticated(), roles_permission(Role.ANALYST)()]
        if self.action == "votes":
            return [IsAuthenticated(), roles_permission(Role.PRODUCT_OWNER, safe_roles=ALL_ROLES)()]
        return [IsAuthenticated()]

    @extend_schema(responses=s.StrategyListOutputSerializer(many=True))
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(
            self.filter_queryset(Strategy.objects.select_related("product", "created_by"))
        )
        return self.get_paginated_response(s.StrategyListOutputSerializer(page, many=True).data)

    @extend_schema(
        request=s.StrategyInputSerializer, responses={201: s.StrategyDetailOutputSerializer, 403: ERROR}
    )
    def create(self, request: Request) -> Response:
        serializer = s.StrategyInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        strategy = strategy_create(
            actor=request.user, content=serializer.content(), summary=serializer.validated_data["summary"]
        )
        return _detail_response(strategy, status_code=status.HTTP_201_CREATED)

    @extend_schema(responses=s.StrategyDetailOutputSerializer)
    def retrieve(self, request: Request, pk: int) -> Response:
        return _detail_response(self.get_object())

    @extend_schema(
        request=s.StrategyUpdateInputSerializer,
        parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, description='"r<number>"')],
        responses={200: s.StrategyDetailOutputSerializer, 409: CONFLICT, 428: ERROR},
        description="Save a new revision. Refused with 409 if someone saved after your base revision.",
    )
    def update(self, request: Request, pk: int) -> Response:
        strategy = self.get_object()
        serializer, base = _edit_input(request, s.StrategyUpdateInputSerializer)
        updated = strategy_update(
            strategy=strategy,
            actor=request.user,
            base_revision=base,
            content=serializer.content(),
            summary=serializer.validated_data["summary"],
        )
        return _detail_response(self.get_queryset().get(pk=updated.pk))

    @extend_schema(responses=s.RevisionSummarySerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def revisions(self, request: Request, pk: int) -> Response:
        strategy = self.get_object()
        revisions = strategy.revisions.select_related("author").order_by("-number")
        return Response(s.RevisionSummarySerializer(revisions, many=True).data)

    @extend_schema(responses=s.RevisionOutputSerializer)
    @action(detail=True, methods=["get"], url_path=r"revisions/(?P<number>\d+)")
    def revision(self, request: Request, pk: int, number: str) -> Response:
        strategy = self.get_object()
        revision = get_object_or_404(
            Revision.objects.select_related("author", "product"), strategy=strategy, number=number
        )
        return Response(s.RevisionOutputSerializer(revision).data)

    @extend_schema(
        parameters=[OpenApiParameter("from", int, required=True), OpenApiParameter("to", int, required=True)],
        responses=s.DiffOutputSerializer,
    )
    @action(detail=True, methods=["get"])
    def diff(self, request: Request, pk: int) -> Response:
        strategy = self.get_object()
        numbers = parse_id(request.query_params.get("from")), parse_id(request.query_params.get("to"))
        if numbers[0] is None or numbers[1] is None:
            raise ApplicationError("Give two revision numbers: ?from=1&to=2.", code="invalid")
        old = get_object_or_404(Revision, strategy=strategy, number=numbers[0])
        new = get_object_or_404(Revision, strategy=strategy, number=numbers[1])
        changes = [
            {
                "name": c.name,
                "inline": c.inline,
                "lines": [vars(line) for line in c.lines] if c.lines is not None else None,
            }
            for c in revision_diff(old, new, reader=request.user)
        ]
        return Response(
            s.DiffOutputSerializer(
                {"from_revision": old.number, "to_revision": new.number, "changes": changes}
            ).data
        )

    @extend_schema(
        request=s.RestoreInputSerializer,
        responses={200: s.StrategyDetailOutputSerializer, 409: CONFLICT, 428: ERROR},
    )
    @action(detail=True, methods=["post"])
    def restore(self, request: Request, pk: int) -> Response:
        strategy = self.get_object()
        serializer, base = _edit_input(request, s.RestoreInputSerializer)
        updated = strategy_restore(
            strategy=strategy,
            actor=request.user,
            number=serializer.validated_data["revision"],
            base_revision=base,
        )
        return _detail_response(self.get_queryset().get(pk=updated.pk))

    @extend_schema(
        request=s.TransitionInputSerializer, responses={200: s.StrategyDetailOutputSerializer, 403: ERROR}
    )
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: int) -> Response:
        strategy = self.get_object()
        serializer = s.TransitionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        updated = strategy_transition(
            strategy=strategy,
            to_status=data["to_status"],
            actor=request.user,
            reason=data["reason"],
            merged_into=data.get("merged_into"),
        )
        return Response(s.StrategyDetailOutputSerializer(self.get_queryset().get(pk=updated.pk)).data)

    @extend_schema(responses=s.StatusChangeOutputSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def timeline(self, request: Request, pk: int) -> Response:
        strategy = self.get_object()
        return Response(
            s.StatusChangeOutputSerializer(strategy.status_changes.select_related("actor"), many=True).data
        )

    @extend_schema(methods=["GET"], responses=s.VoteOutputSerializer(many=True))
    @extend_schema(
        methods=["PUT"], request=s.VoteInputSerializer, responses={200: s.VoteOutputSerializer, 403: ERROR}
    )
    @extend_schema(methods=["DELETE"], request=None, responses={204: None})
    @action(detail=True, methods=["get", "put", "delete"], pagination_class=None)
    def votes(self, request: Request, pk: int) -> Response:
        """GET: every vote.  PUT: cast or change your vote.  DELETE: withdraw it (while voting is open)."""
        strategy = self.get_object()
        if request.method == "GET":
            votes = strategy.votes.select_related("voter")
            return Response(s.VoteOutputSerializer(votes, many=True).data)
        if request.method == "DELETE":
            vote_retract(strategy=strategy, actor=request.user)
            return Response(status=status.HTTP_204_NO_CONTENT)
        serializer = s.VoteInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        vote = vote_cast(strategy=strategy, actor=request.user, **serializer.validated_data)
        return Response(s.VoteOutputSerializer(vote).data)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["post", "delete"])
    def follow(self, request: Request, pk: int) -> Response:
        strategy = self.get_object()
        if request.method == "DELETE":
            strategy_unfollow(strategy=strategy, actor=request.user)
        else:
            strategy_follow(strategy=strategy, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(methods=["GET"], responses=s.CommentOutputSerializer(many=True))
    @extend_schema(
        methods=["POST"], request=s.CommentCreateInputSerializer, responses={201: s.CommentOutputSerializer}
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def comments(self, request: Request, pk: int) -> Response:
        strategy = self.get_object()
        if request.method == "GET":
            comments = strategy.comments.select_related("author", "hidden_by").order_by("created_at", "id")
            return Response(s.CommentOutputSerializer(comments, many=True).data)
        serializer = s.CommentCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        parent_id = serializer.validated_data.get("parent")
        parent = get_object_or_404(Comment, pk=parent_id, strategy=strategy) if parent_id else None
        comment = comment_create(
            strategy=strategy, actor=request.user, body=serializer.validated_data["body"], parent=parent
        )
        return Response(s.CommentOutputSerializer(comment).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["strategy pool"])
class CommentViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """One comment: read it, edit your own (edits kept), moderators hide or show it again."""

    queryset = Comment.objects.select_related("author", "hidden_by", "strategy")
    serializer_class = s.CommentOutputSerializer
    filter_backends: list = []
    http_method_names = ["get", "patch", "post", "head", "options"]

    def get_permissions(self):
        if self.action in ("hide", "unhide"):
            return [IsAuthenticated(), roles_permission(Role.ANALYST)()]
        return [IsAuthenticated()]

    @extend_schema(request=s.CommentEditInputSerializer, responses=s.CommentOutputSerializer)
    def partial_update(self, request: Request, pk: int) -> Response:
        comment = self.get_object()
        serializer = s.CommentEditInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = comment_edit(comment=comment, actor=request.user, body=serializer.validated_data["body"])
        return Response(s.CommentOutputSerializer(comment).data)

    @extend_schema(
        request=s.CommentHideInputSerializer, responses={200: s.CommentOutputSerializer, 403: ERROR}
    )
    @action(detail=True, methods=["post"])
    def hide(self, request: Request, pk: int) -> Response:
        serializer = s.CommentHideInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = comment_hide(
            comment=self.get_object(), actor=request.user, reason=serializer.validated_data["reason"]
        )
        return Response(s.CommentOutputSerializer(comment).data)

    @extend_schema(request=None, responses={200: s.CommentOutputSerializer, 403: ERROR})
    @action(detail=True, methods=["post"])
    def unhide(self, request: Request, pk: int) -> Response:
        comment = comment_unhide(comment=self.get_object(), actor=request.user)
        return Response(s.CommentOutputSerializer(comment).data)

    @extend_schema(responses=s.CommentEditOutputSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def edits(self, request: Request, pk: int) -> Response:
        comment = self.get_object()
        # A hidden comment's earlier texts are its author's and the moderators' only, as on its
        # history page; anyone else gets the 404 of a missing comment.
        if comment.is_hidden and not (can_moderate(request.user) or comment.author_id == request.user.pk):
            raise NotFound()
        return Response(
            s.CommentEditOutputSerializer(comment.edits.order_by("-edited_at", "-id"), many=True).data
        )


class PoolSearchView(APIView):
    """Search strategies (title, scenario, body, comments), issues and reports; Chinese works."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["strategy pool"],
        parameters=[OpenApiParameter("q", OpenApiTypes.STR, required=True)],
        responses=s.SearchOutputSerializer,
    )
    def get(self, request: Request) -> Response:
        results = pool_search(user=request.user, query=request.query_params.get("q", "")[:200])

        def hits(items, title_of):
            return [
                {
                    "object": hit.object,
                    "title": title_of(hit.object),
                    "snippet": str(hit.snippet),
                    "similar": hit.similar,
                }
                for hit in items
            ]

        data = {
            "query": results.query,
            "strategies": hits(results.strategies, lambda o: o.title),
            "issues": hits(results.issues, lambda o: o.title),
            "reports": hits(results.reports, lambda o: o.summary),
        }
        return Response(s.SearchOutputSerializer(data).data)
