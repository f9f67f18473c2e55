-- One row per person hit by a disaster in the look-back window with a collapsed or badly
-- damaged house, an evacuation or an injury, and no 临时救助 granted since (rule U01).
with disasters as (
    select records.person_key, disaster.*
    from {{ ref('int_person_records') }} as records
    inner join {{ ref('stg_emergency_disaster') }} as disaster using (record_id)
    where disaster.disaster_date > {{ days_before_month_end('u01_disaster_lookback_days') }}
        and disaster.disaster_date <= {{ month_end() }}
        and disaster.damage in ('房屋倒塌', '房屋严重损坏', '紧急转移安置', '人员受伤')
),

grants as (
    select * from {{ ref('int_person_grants') }}
)

select
    'U01' as rule_id,
    disasters.person_key as subject_person_key,
    '应急管理局受灾人员信息：' || string_agg(
        '灾情编号' || disasters.disaster_number || '，' || strftime(disasters.disaster_date, '%Y-%m-%d') || disasters.disaster_type || '，' || disasters.damage,
        '；' order by disasters.disaster_date
    ) || '；此后无临时救助记录' as evidence,
    cast(null as varchar) as level_override
from disasters
where not exists (
    select 1 from grants
    where grants.person_key = disasters.person_key and grants.approval_date >= disasters.disaster_date
)
group by disasters.person_key
