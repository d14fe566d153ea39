// Test-only Cloud Code, loaded by main.js when CRM_TEST_HOOKS=1 (the test instance of ctl.sh).
'use strict';
