from django.urls import path

from cxops.views import dashboard

app_name = "dashboard"

urlpatterns = [
    path("", dashboard.overview, name="overview"),
    path("export/<slug:name>.csv", dashboard.export_overview, name="export-overview"),
    path("products/<slug:code>/", dashboard.product_detail, name="product"),
    path("products/<slug:code>/follow/", dashboard.product_follow, name="product-follow"),
    path("products/<slug:code>/export/<slug:name>.csv", dashboard.export_product, name="export-product"),
    path("alerts/", dashboard.alert_list, name="alerts"),
    path("alerts/opt-in/", dashboard.alert_opt_in, name="alert-opt-in"),
    path("alerts/<int:pk>/acknowledge/", dashboard.alert_acknowledge, name="alert-acknowledge"),
]
