-- Children for whom certificates were issued again and again.
WITH many AS (
    SELECT child FROM certificates
    WHERE child IS NOT NULL
      AND (NOT $scoped OR child IN (SELECT ref FROM scope WHERE type = 'births'))
    GROUP BY child HAVING count(*) > $max_certificates
)
SELECT c.child AS subject_ref,
       [{'type': 'births', 'ref': c.child}] || list({'type': 'certificates', 'ref': c.ref} ORDER BY c.issued_on, c.ref)
         AS evidence,
       to_json({'child': c.child, 'certificates': count(*), 'first_issued': min(c.issued_on),
                'last_issued': max(c.issued_on), 'max_certificates': $max_certificates,
                'facility': any_value(b.facility)}) AS facts
FROM certificates c JOIN many m ON m.child = c.child LEFT JOIN birth b ON b.ref = c.child
GROUP BY c.child
