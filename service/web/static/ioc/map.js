// The IOC dashboard: the map panel (see templates/_ioc_map.html).
"use strict";
