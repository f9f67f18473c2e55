-- One row per person named by a record, with the person key the linkage gave it.
with records as (
    select * from {{ ref('lnk_person_records') }}
),

linked as (
    select * from {{ source('linkage', 'record_person') }}
)

select
    records.*,
    linked.person_key,
    linked.match_probability,
    linked.match_method
from records
inner join linked using (person_record_id)
