-- One row per person not on 特困 with an inpatient settlement in the look-back window for a
-- 重特大疾病 or with out-of-pocket costs at the configured amount, and no 临时救助 since
-- (rule U02; 红 for a low-income person, 橙 otherwise).
with settlements as (
    select records.person_key, settlement.*
    from {{ ref('int_person_records') }} as records
    inner join {{ ref('stg_medins_settlements') }} as settlement using (record_id)
    where settlement.visit_type = '住院'
        and settlement.settlement_date > {{ days_before_month_end('u02_settlement_lookback_days') }}
        and settlement.settlement_date <= {{ month_end() }}
        and (settlement.is_major_disease = '是'
            or settlement.out_of_pocket >= {{ threshold('u02_out_of_pocket_yuan') }})
),

grants as (
    select * from {{ ref('int_person_grants') }}
)

select
    'U02' as rule_id,
    settlements.person_key as subject_person_key,
    '医保结算明细：' || string_agg('流水号' || settlements.settlement_number || '，' || strftime(settlements.settlement_date, '%Y-%m-%d') || '住院'
        || case when settlements.is_major_disease = '是' then '（重特大疾病）' else '' end
        || '，个人自付' || settlements.out_of_pocket || '元', '；' order by settlements.settlement_date)
    || '；此后无临时救助记录' as evidence,
    case when bool_or(pm.is_low_income) then '红' end as level_override
from settlements
inner join {{ ref('int_person_categories') }} as pm using (person_key)
where coalesce(pm.category <> 'tekun', true)
    and not exists (
        select 1 from grants
        where grants.person_key = settlements.person_key and grants.approval_date >= settlements.settlement_date
    )
group by settlements.person_key
