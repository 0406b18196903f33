-- One woman (same person ref or same identity document) recorded as mother of deliveries less than the minimum
-- interval apart (children of one delivery count once), or of one delivery spread over several facilities.
-- The subject is the woman's first person record (the smallest ref among the records sharing her document).
WITH candidates AS (
    -- only women with two deliveries or more, or with a delivery recorded at several facilities, can fire
    SELECT woman FROM birth WHERE woman IS NOT NULL GROUP BY woman HAVING count(DISTINCT delivery) > 1
    UNION
    SELECT DISTINCT b.woman FROM birth b
    WHERE b.delivery IN (SELECT delivery FROM birth GROUP BY delivery HAVING count(DISTINCT facility) > 1)
      AND b.woman IS NOT NULL
), scoped AS (
    SELECT woman FROM candidates
    WHERE NOT $scoped OR woman IN (
        SELECT pi.woman FROM person_identity pi WHERE pi.ref IN (SELECT ref FROM scope WHERE type = 'persons')
        UNION SELECT 'ref:' || ref FROM scope WHERE type = 'persons')
), deliveries AS (
    SELECT b.woman, b.delivery, min(b.local_date) AS day, count(DISTINCT b.facility) AS facilities,
           list(b.ref ORDER BY b.ref) AS births, list(DISTINCT b.mother) AS mothers,
           list(DISTINCT b.facility) AS facility_refs
    FROM birth b JOIN scoped s ON s.woman = b.woman
    GROUP BY b.woman, b.delivery
), gaps AS (
    SELECT *, day - lag(day) OVER (PARTITION BY woman ORDER BY day, delivery) AS gap_after,
           lead(day) OVER (PARTITION BY woman ORDER BY day, delivery) - day AS gap_before
    FROM deliveries
), flagged AS (
    SELECT woman,
           count(*) FILTER (WHERE gap_after < $min_interval_days OR gap_before < $min_interval_days) AS close,
           count(*) FILTER (WHERE facilities > 1) AS split,
           min(gap_after) AS shortest_gap, count(*) AS deliveries,
           flatten(list(births) FILTER (WHERE gap_after < $min_interval_days OR gap_before < $min_interval_days
                                        OR facilities > 1)) AS births,
           list_distinct(flatten(list(mothers))) AS mothers,
           list_distinct(flatten(list(facility_refs))) AS facility_refs
    FROM gaps GROUP BY woman
    HAVING close > 0 OR split > 0
), records AS (
    SELECT f.woman, list(pi.ref ORDER BY pi.ref) AS refs
    FROM flagged f JOIN person_identity pi ON pi.woman = f.woman GROUP BY f.woman
)
SELECT coalesce(r.refs[1], list_sort(f.mothers)[1]) AS subject_ref,
       ref_list('persons', list_distinct(coalesce(r.refs, []) || f.mothers)) || ref_list('births', f.births)
         AS evidence,
       to_json({'mother': coalesce(r.refs[1], list_sort(f.mothers)[1]), 'deliveries': f.deliveries,
                'close_deliveries': f.close, 'split_deliveries': f.split, 'shortest_gap_days': f.shortest_gap,
                'min_interval_days': $min_interval_days,
                'person_records': len(list_distinct(coalesce(r.refs, []) || f.mothers)),
                'facilities': len(f.facility_refs), 'facility': f.facility_refs[1]}) AS facts
FROM flagged f LEFT JOIN records r ON r.woman = f.woman
