-- One row per person whose home visit found 急难事项 or 意外事故, that counted when it was
-- delivered (in the look-back window, or delivered late within the bound: macro
-- emergency_raised), with no 临时救助 granted to the household since (rule U04).
-- It stays raised, month after month, until a 临时救助 reaches the household or the county
-- disposes of it: an unanswered emergency is never 已解除.
-- Each visit is quoted with its 情况描述, what the visitor saw, so the officer knows what to
-- answer before calling (issue 25, item 10).
with visits as (
    select records.person_key, households.household_key, visits.*
    from {{ ref('int_person_records') }} as records
    inner join {{ ref('stg_civil_visits') }} as visits using (record_id)
    inner join {{ ref('int_person_households') }} as households using (person_key)
    where {{ emergency_raised('visits.visit_date', 'visits.delivery_month', 'u04_visit_lookback_days') }}
        and (visits.hardship_types like '%急难事项%' or visits.hardship_types like '%意外事故%')
)

select
    'U04' as rule_id,
    visits.person_key as subject_person_key,
    '入户走访：' || {% call text_agg("'；'", order_by=['visits.visit_date']) %}'编号' || {{ quoted('visits.visit_number') }} || '，' || {{ format_date('visits.visit_date', '%Y-%m-%d') }} || '发现' || visits.hardship_types || '，情况描述：' || {{ quoted('visits.description') }}{% endcall %} || '；此后家庭无临时救助记录' as evidence,
    cast(null as string) as level_override
from visits
where {{ no_temp_assistance_since('visits.household_key', 'visits.visit_date') }}
group by visits.person_key
