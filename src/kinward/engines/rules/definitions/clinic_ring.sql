-- Per delivering facility: the supporting alerts of other rules attributed to it (fact 'facility'), and the
-- number expected from its exposure to each rule: the rule's alerts over all facilities times the facility's
-- share of what that rule looks at (discharges; adoption files of children born there; abandonments and
-- adoptions; abandonment reports), each share smoothed by half a record per facility. The post step
-- concentration_test compares the two.
WITH fac AS (
    SELECT DISTINCT facility FROM birth WHERE facility IS NOT NULL
), support AS (
    SELECT a.rule, a.subject_type, a.subject_ref, a.evidence, json_extract_string(a.facts, '$.facility') AS facility
    FROM alerts a
    WHERE a.rule IN ('non_guardian_discharge', 'adoption_mismatch', 'missed_abandonment_report',
                     'late_abandonment_report')
      AND json_extract_string(a.facts, '$.facility') IN (SELECT facility FROM fac)
), exposure AS (
    SELECT 'non_guardian_discharge' AS rule, coalesce(c.facility, b.facility) AS facility, count(*) AS n
    FROM custody c JOIN birth b ON b.ref = c.child WHERE c.type = 'discharge' GROUP BY ALL
    UNION ALL
    SELECT 'adoption_mismatch', coalesce(b.facility, f.stated_birth_facility), count(*)
    FROM adoption_files f LEFT JOIN birth b ON b.ref = f.child GROUP BY ALL
    UNION ALL
    SELECT 'missed_abandonment_report', facility, count(*) FROM (
        SELECT coalesce(c.facility, b.facility) AS facility FROM custody c JOIN birth b ON b.ref = c.child
        WHERE c.type IN ('abandonment_found', 'adoption_order')
        UNION ALL
        SELECT b.facility FROM adoption_files f JOIN birth b ON b.ref = f.child) GROUP BY ALL
    UNION ALL
    SELECT 'late_abandonment_report', coalesce(r.facility, b.facility), count(*)
    FROM report r LEFT JOIN birth b ON b.ref = r.child GROUP BY ALL
), shares AS (
    SELECT r.rule, f.facility, coalesce(e.n, 0) + 0.5 AS n,
           sum(coalesce(e.n, 0) + 0.5) OVER (PARTITION BY r.rule) AS total
    FROM fac f CROSS JOIN (SELECT DISTINCT rule FROM exposure) r
    LEFT JOIN exposure e ON e.rule = r.rule AND e.facility = f.facility
), expected AS (
    SELECT s.facility, sum(s.n / s.total * coalesce(t.alerts, 0)) AS expected
    FROM shares s LEFT JOIN (SELECT rule, count(*) AS alerts FROM support GROUP BY rule) t ON t.rule = s.rule
    GROUP BY s.facility
)
SELECT s.facility AS subject_ref, count(*) AS events, count(DISTINCT s.rule) AS kinds,
       list(DISTINCT s.rule) AS rules, any_value(x.expected) AS expected,
       (SELECT count(*) FROM fac) AS facilities,
       [{'type': 'agencies', 'ref': s.facility}]
         || list_distinct(flatten(list([{'type': s.subject_type, 'ref': s.subject_ref}] || s.evidence)))
         AS evidence
FROM support s JOIN expected x ON x.facility = s.facility
GROUP BY s.facility
