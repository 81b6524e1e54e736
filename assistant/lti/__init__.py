"""LTI 1.3 tool core: the tool's keys, registered platforms, launch validation, just-in-time
provisioning and the hand-off to the app. NRPS, AGS and Deep Linking are not built yet."""
