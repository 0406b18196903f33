-- Pregnancies whose expected date plus the grace period lies before the dataset's now, with no ending record:
-- no birth linked to them, no birth of the same woman without a pregnancy in the window the format gives
-- (16 weeks before to 6 weeks after the expected date), and no loss, transfer_out or moved_away event.
SELECT p.ref AS subject_ref,
       [{'type': 'pregnancies', 'ref': p.ref}] || ref_list('persons', [p.mother])
         || ref_list('agencies', [p.facility]) AS evidence,
       to_json({'pregnancy': p.ref, 'mother': p.mother, 'facility': p.facility, 'enrolled_on': p.enrolled_on,
                'expected_date': p.expected_date, 'last_visit': list_max(p.visits),
                'visits': len(coalesce(p.visits, [])), 'weeks_overdue': (m.today - p.expected_date) // 7,
                'grace_weeks': $grace_weeks, 'now': m.today}) AS facts
FROM pregnancy p, meta m
WHERE p.expected_date + to_weeks($grace_weeks) < m.today
  AND (p.enrolled_on IS NULL OR p.enrolled_on <= m.today)
  AND NOT EXISTS (SELECT 1 FROM pregnancy_end e WHERE e.pregnancy = p.ref)
  AND (NOT $scoped OR p.ref IN (SELECT ref FROM scope WHERE type = 'pregnancies'))
