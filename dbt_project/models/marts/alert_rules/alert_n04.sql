-- One row per low-income person who paid at least the configured amount out of pocket for
-- medical care over the look-back window (rule N04). The evidence lists each settlement (结算编号,
-- hospital, 个人自付) and prints the amount as a check line, not a standard (issue 25, item 10).
with spending as (
    select * from {{ ref('int_person_medical_spending') }}
)

select
    'N04' as rule_id,
    spending.person_key as subject_person_key,
    '医保结算明细：近12个月' || {{ quoted('spending.settlements', '笔') }} || '结算（' || {{ quoted('spending.settlement_details') }} || '），个人自付合计' || spending.out_of_pocket
    || '元，达到高额医疗费用核查线' || cast({{ threshold('n04_out_of_pocket_low_income_yuan') }} as decimal(14, 2)) || '元；监测类别' || {{ category_label('pm.category') }}
    as evidence,
    cast(null as string) as level_override
from spending
inner join {{ ref('int_person_categories') }} as pm using (person_key)
where pm.is_low_income
    and spending.out_of_pocket >= {{ threshold('n04_out_of_pocket_low_income_yuan') }}
    and (pm.death_date is null or pm.death_date > {{ month_end() }})
