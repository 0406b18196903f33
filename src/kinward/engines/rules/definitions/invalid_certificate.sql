-- Certificates that fail verification or carry a newborn ID other than the child's (table certificate_check,
-- filled by the verifier before the SQL runs), name a child the registry does not hold, or are issued before
-- the birth. A certificate whose issuer key is not listed is unverified, not invalid, and is not flagged.
SELECT c.ref AS subject_ref,
       [{'type': 'certificates', 'ref': c.ref}] || ref_list('births', [b.ref]) AS evidence,
       to_json({'certificate': c.ref, 'child': c.child, 'issued_by': c.issued_by, 'issued_on': c.issued_on,
                'verification': k.status, 'facility': b.facility,
                'problems': array_to_string(list_filter([
                    CASE WHEN k.status = 'invalid' THEN 'verification failed: ' || k.reason END,
                    CASE WHEN b.ref IS NULL THEN 'names a child the registry does not hold' END,
                    CASE WHEN b.local_date > c.issued_on THEN 'issued before the birth' END
                ], lambda x: x IS NOT NULL), '; ')}) AS facts
FROM certificates c
LEFT JOIN certificate_check k ON k.ref = c.ref
LEFT JOIN birth b ON b.ref = c.child
WHERE (k.status = 'invalid' OR b.ref IS NULL OR b.local_date > c.issued_on)
  AND (NOT $scoped OR c.ref IN (SELECT ref FROM scope WHERE type = 'certificates'))
