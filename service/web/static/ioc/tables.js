// The IOC dashboard: the tables panel (see templates/_ioc_tables.html).
"use strict";
