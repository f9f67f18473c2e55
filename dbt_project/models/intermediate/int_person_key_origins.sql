-- One row per person key that took over from a key the person was known by before (first
-- seen without a valid ID, then linked to their ID): the key their alerts are identified by,
-- as it stood in the month.
select
    person_key,
    {{ value_at_max("origin_key", ["month"]) }} as origin_key
from {{ source('linkage', 'person_key_origins') }}
where month <= '{{ var("month") }}'
group by person_key
