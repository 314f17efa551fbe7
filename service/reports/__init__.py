"""The report itself (phản ánh): its table, photos, timeline, statuses, who may read it,
the repository that queries it and the answers built from it. Every use case (intake,
routing, media, sla, workflow, notifications, ioc) builds on this package; it imports none
of them."""
