"""LTI 1.3 tool: the tool's keys, registered platforms, launch validation, just-in-time
provisioning, the hand-off to the app, and LTI Advantage: roster sync (NRPS), grade passback
(AGS) and deep linking."""
