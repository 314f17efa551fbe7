"""The officers' web console and the IOC dashboard: server-rendered pages (Jinja2, htmx,
Leaflet served from the project) over the same services the API uses."""
