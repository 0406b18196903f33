-- Abandonment reports filed late: reported_at - found_at (as instants) beyond the due time plus the grace
-- period (tier 'late'), or beyond the due time but within the grace period (tier 'overdue').
SELECT r.ref AS subject_ref,
       [{'type': 'abandonment_reports', 'ref': r.ref}] || ref_list('custody_events', [r.event])
         || ref_list('births', [coalesce(r.child, e.child)]) AS evidence,
       to_json({'report': r.ref, 'child': coalesce(r.child, e.child),
                'facility': coalesce(r.facility, e.facility),
                'found_at': r.found_at, 'reported_at': r.reported_at,
                'hours': round(epoch(r.reported - r.found) / 3600.0, 1),
                'deadline_hours': $deadline_hours, 'grace_hours': $grace_hours,
                'reported_by': r.reported_by}) AS facts
FROM report r LEFT JOIN custody e ON e.ref = r.event
WHERE CASE WHEN $tier = 'late'
           THEN r.reported - r.found > to_hours($deadline_hours + $grace_hours)
           ELSE r.reported - r.found > to_hours($deadline_hours)
                AND r.reported - r.found <= to_hours($deadline_hours + $grace_hours) END
  AND (NOT $scoped OR r.ref IN (SELECT ref FROM scope WHERE type = 'abandonment_reports'))
