"""School leaders and teaching teams (issue 19): figures over the whole school and its classes.

One module per figure family: `responsiveness` (evidence on competencies not ready for or
already mastered, learners without new evidence, stuck, time to proficiency, pace). Equity,
"what worked" and the review pack are further families beside it. `replay` turns a learner's
dated evidence into the facts the figures count; `school` reads the database and computes every
figure in one call (`school_figures`, the unit to precompute and cache); `service` is what the
pages call, through the access policy.
"""
