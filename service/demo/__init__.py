"""The demo province: Thái Nguyên's 92 wards, units, categories, accounts and a history of reports."""
