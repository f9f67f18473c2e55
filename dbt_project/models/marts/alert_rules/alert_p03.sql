-- One row per student of the school year in force from a low-income household whose 家庭经济困难认定
-- is 不困难 or 未认定, or who gets no 资助项目 (rule P03). The school year in force is the latest
-- one the 教育局 list holds, up to the month's own: in September, before the new year's list
-- arrives, last year's list still stands.
with year_in_force as (
    select max(school_year) as school_year
    from {{ ref('stg_edu_students') }}
    where school_year <= {{ school_year() }}
),

students as (
    select records.person_key, students.*
    from {{ ref('int_person_records') }} as records
    inner join {{ ref('stg_edu_students') }} as students using (record_id)
    inner join year_in_force using (school_year)
)

select
    'P03' as rule_id,
    students.person_key as subject_person_key,
    '教育局在校学生及资助名单（' || max(students.school_year) || '学年）：家庭经济困难认定'
    || {{ quoted('max(students.hardship_recognition)') }} || '，资助项目' || coalesce(max(students.aid_programme), '无')
    || '；家庭为' || {{ household_category_label('max(hm.category)') }} as evidence,
    cast(null as string) as level_override
from students
inner join {{ ref('int_person_categories') }} as pm using (person_key)
inner join {{ ref('int_household_categories') }} as hm using (household_key)
where hm.category in ('tekun', 'dibao', 'marginal', 'expenditure_hardship')
group by students.person_key
having bool_and(students.hardship_recognition in ('不困难', '未认定') or students.aid_programme is null)
