-- One row per person who is not low-income and paid at least the configured amount out of
-- pocket for medical care over the look-back window: assess 支出型 hardship (rule N05).
with spending as (
    select * from {{ ref('int_person_medical_spending') }}
)

select
    'N05' as rule_id,
    spending.person_key as subject_person_key,
    '医保结算明细：近12个月' || {{ quoted('spending.settlements', '笔') }} || '结算，个人自付合计' || spending.out_of_pocket
    || '元，达到' || {{ threshold('n05_out_of_pocket_general_yuan') }} || '元标准' as evidence,
    cast(null as string) as level_override
from spending
inner join {{ ref('int_person_categories') }} as pm using (person_key)
where not pm.is_low_income
    and spending.out_of_pocket >= {{ threshold('n05_out_of_pocket_general_yuan') }}
    and (pm.death_date is null or pm.death_date > {{ month_end() }})
