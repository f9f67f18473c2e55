-- One row per person whose home visit in the look-back window found 急难事项 or 意外事故, with
-- no 临时救助 granted since (rule U04).
with visits as (
    select records.person_key, visits.*
    from {{ ref('int_person_records') }} as records
    inner join {{ ref('stg_civil_visits') }} as visits using (record_id)
    where visits.visit_date > {{ days_before_month_end('u04_visit_lookback_days') }}
        and visits.visit_date <= {{ month_end() }}
        and (visits.hardship_types like '%急难事项%' or visits.hardship_types like '%意外事故%')
),

grants as (
    select * from {{ ref('int_person_grants') }}
)

select
    'U04' as rule_id,
    visits.person_key as subject_person_key,
    '入户走访：' || string_agg('编号' || visits.visit_number || '，' || strftime(visits.visit_date, '%Y-%m-%d') || '发现' || visits.hardship_types, '；')
    || '；此后无临时救助记录' as evidence,
    cast(null as varchar) as level_override
from visits
where not exists (
    select 1 from grants
    where grants.person_key = visits.person_key and grants.approval_date >= visits.visit_date
)
group by visits.person_key
