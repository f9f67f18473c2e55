-- One row per person hit by a disaster with a collapsed or badly damaged house, an evacuation or
-- an injury, that counted when it was delivered (in the look-back window, or delivered late
-- within the bound: macro emergency_raised), and no 临时救助 granted to the household since
-- (rule U01).
-- It stays raised, month after month, until a 临时救助 reaches the household or the county
-- disposes of it: an unanswered emergency is never 已解除.
-- Each report is quoted with what 应急管理局 already paid (救灾救助 is not 临时救助 and does not
-- close the alert, but the officer sizes the 临时救助 by it: issue 25, item 10).
with disasters as (
    select records.person_key, households.household_key, disaster.*
    from {{ ref('int_person_records') }} as records
    inner join {{ ref('stg_emergency_disaster') }} as disaster using (record_id)
    inner join {{ ref('int_person_households') }} as households using (person_key)
    where {{ emergency_raised('disaster.disaster_date', 'disaster.delivery_month', 'u01_disaster_lookback_days') }}
        and disaster.damage in ('房屋倒塌', '房屋严重损坏', '紧急转移安置', '人员受伤')
)

select
    'U01' as rule_id,
    disasters.person_key as subject_person_key,
    '应急管理局受灾人员信息：' || {% call text_agg("'；'", order_by=['disasters.disaster_date']) %}'灾情编号' || {{ quoted('disasters.disaster_number') }} || '，' || {{ format_date('disasters.disaster_date', '%Y-%m-%d') }}
        || {{ quoted('disasters.disaster_type') }} || '，' || disasters.damage || '，应急管理局已发放救灾救助' || {{ quoted('disasters.relief_paid', '元') }}{% endcall %} || '；此后家庭无临时救助记录' as evidence,
    cast(null as string) as level_override
from disasters
where {{ no_temp_assistance_since('disasters.household_key', 'disasters.disaster_date') }}
group by disasters.person_key
