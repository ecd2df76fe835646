"""Read API for reference data.  Writes happen in the admin (administrators only)."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework import viewsets

from cxops.models import Channel
from cxops.models import Product
from cxops.models import Region
from cxops.models import Segment


class ProductOutputSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)

    class Meta:
        model = Product
        fields = ["id", "code", "name", "name_zh", "name_en", "lifecycle_phase", "launched_on", "is_active"]


class ChannelOutputSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)

    class Meta:
        model = Channel
        fields = ["id", "code", "name", "name_zh", "name_en", "is_active"]


class SegmentOutputSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)

    class Meta:
        model = Segment
        fields = ["id", "code", "name", "name_zh", "name_en", "description", "is_active"]


class ProductViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Product.objects.all()
    serializer_class = ProductOutputSerializer
    filterset_fields = ["code", "lifecycle_phase", "is_active"]
    pagination_class = None  # reference lists are short


class ChannelViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Channel.objects.all()
    serializer_class = ChannelOutputSerializer
    filterset_fields = ["code", "is_active"]
    pagination_class = None


class SegmentViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Segment.objects.filter(is_active=True)
    serializer_class = SegmentOutputSerializer
    filterset_fields = ["code"]
    pagination_class = None


class RegionOutputSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    # DRF's metaclass takes declared fields off the class, so `parent` does not shadow Field.parent.
    parent: serializers.SlugRelatedField[Region] = serializers.SlugRelatedField(  # type: ignore[assignment]
        slug_field="code", read_only=True, allow_null=True
    )

    class Meta:
        model = Region
        fields = ["id", "code", "name", "name_zh", "name_en", "level", "parent", "is_active"]


class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    """The province and its cities (codes in pinyin), province first.  Every member reads them."""

    queryset = Region.objects.select_related("parent").order_by("sort_order", "code")
    serializer_class = RegionOutputSerializer
    filterset_fields = ["code", "level", "is_active"]
    pagination_class = None
