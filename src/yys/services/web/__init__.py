"""The web service: server-rendered storefront (`/`) and admin console (`/console`).

It has no database and imports no other service: every page is built from the public JSON API
(and `/admin/v1`) through `api_client.ApiClient`, exactly as any other client would see it.
"""
