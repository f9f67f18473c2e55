-- One row per tekun, dibao or marginal person with an inpatient settlement in the look-back
-- window (or delivered this month) that left them paying out of pocket with no 医疗救助 (rule P02).
-- Only a stay whose 个人自付 is above the 医疗救助 起付标准 (threshold
-- p02_medical_assistance_deductible_yuan, per stay) raises: at or below it 医疗救助 pays nothing
-- and there is nothing for 医保局 to put right (issue 25, item 5).
with settlements as (
    select records.person_key, settlement.*
    from {{ ref('int_person_records') }} as records
    inner join {{ ref('stg_medins_settlements') }} as settlement using (record_id)
    where settlement.visit_type = '住院'
        and {{ event_in_window('settlement.settlement_date', 'settlement.delivery_month', 'p02_settlement_lookback_days') }}
        and settlement.out_of_pocket > {{ threshold('p02_medical_assistance_deductible_yuan') }}
        and settlement.medical_assistance_paid = 0
)

select
    'P02' as rule_id,
    settlements.person_key as subject_person_key,
    '医保结算明细：' || {% call text_agg("'；'", order_by=['settlements.settlement_date']) %}'流水号' || {{ quoted('settlements.settlement_number') }} || '，' || {{ format_date('settlements.settlement_date', '%Y-%m-%d') }}
        || '住院结算，个人自付' || settlements.out_of_pocket || '元，医疗救助支付0元'{% endcall %} as evidence,
    cast(null as string) as level_override
from settlements
inner join {{ ref('int_person_categories') }} as pm using (person_key)
where pm.category in ('tekun', 'dibao', 'marginal')
group by settlements.person_key
