// The IOC dashboard: the charts panel (see templates/_ioc_charts.html).
"use strict";
