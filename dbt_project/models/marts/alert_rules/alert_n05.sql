-- One row per household that is not low-income and whose rigid spending (刚性支出) over the
-- look-back window reaches the configured amount: assess 支出型 hardship (rule N05).
-- Per 晋民发〔2022〕60号 the test is the household's rigid spending, medical, education and
-- disability together (int_household_rigid_spending), not one person's medical bill (issue 25,
-- item 8). The subject is the member who paid most out of pocket (the household head when
-- nobody did, or when that member died), and the evidence lists the settlements (结算编号,
-- hospital, 个人自付) an officer asks 医保局 about (item 10). The amount is a check line, not a
-- standard, and is printed as such.
with spending as (
    select * from {{ ref('int_household_rigid_spending') }}
)

select
    'N05' as rule_id,
    case when top.person_key is not null and (top.death_date is null or top.death_date > {{ month_end() }})
        then top.person_key else hm.head_person_key end as subject_person_key,
    '家庭刚性支出（近12个月）：医保个人自付' || cast(spending.medical_out_of_pocket as decimal(14, 2)) || '元'
    || case when spending.settlements > 0
        then '（' || spending.settlements || '笔：' || {{ quoted('spending.settlement_details') }} || '）' else '' end
    || case when spending.students > 0
        then '；在校学生' || spending.students || '人，按每人每年' || cast({{ threshold('rigid_spending_education_per_student_yuan') }} as decimal(14, 2)) || '元计' || cast(spending.education_spending as decimal(14, 2)) || '元' else '' end
    || case when spending.severely_disabled > 0
        then '；重度残疾' || spending.severely_disabled || '人，按每人每年' || cast({{ threshold('rigid_spending_severe_disability_per_person_yuan') }} as decimal(14, 2)) || '元计' || cast(spending.disability_spending as decimal(14, 2)) || '元' else '' end
    || '；合计' || cast(spending.rigid_spending as decimal(14, 2)) || '元，达到支出型核查线'
    || cast({{ threshold('n05_out_of_pocket_general_yuan') }} as decimal(14, 2)) || '元；家庭未纳入低收入人口' as evidence,
    cast(null as string) as level_override
from spending
inner join {{ ref('int_household_categories') }} as hm using (household_key)
left join {{ ref('int_person_categories') }} as top on top.person_key = spending.top_spender_person_key
where not coalesce(hm.is_low_income, false)
    and hm.living_members > 0
    and spending.rigid_spending >= {{ threshold('n05_out_of_pocket_general_yuan') }}
