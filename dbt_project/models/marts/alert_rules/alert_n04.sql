-- One row per low-income person who paid at least the configured amount out of pocket for
-- medical care over the look-back window (rule N04).
with spending as (
    select * from {{ ref('int_person_medical_spending') }}
)

select
    'N04' as rule_id,
    spending.person_key as subject_person_key,
    '医保结算明细：近12个月' || {{ quoted('spending.settlements', '笔') }} || '结算，个人自付合计' || spending.out_of_pocket
    || '元，达到' || {{ threshold('n04_out_of_pocket_low_income_yuan') }} || '元标准；监测类别' || {{ category_label('pm.category') }}
    as evidence,
    cast(null as string) as level_override
from spending
inner join {{ ref('int_person_categories') }} as pm using (person_key)
where pm.is_low_income
    and spending.out_of_pocket >= {{ threshold('n04_out_of_pocket_low_income_yuan') }}
    and (pm.death_date is null or pm.death_date > {{ month_end() }})
