"""The IOC's figures: service levels per officer, unit, category and ward, the overdue
list, hotspots of open reports, and their CSV/XLSX exports."""
