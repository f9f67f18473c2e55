-- One row per person: the primary low-income category in the monitoring month (the first that holds, in
-- the order of domain.md) and whether assistance covers them.
with people as (
    select * from {{ ref('int_people') }}
),

programmes as (
    select * from {{ ref('int_person_programmes') }}
),

households as (
    select * from {{ ref('int_person_households') }}
),

categorised as (
    select
        people.person_key,
        case
            when programmes.is_tekun_active then 'tekun'
            when programmes.is_dibao_active then 'dibao'
            when programmes.is_marginal_roster or programmes.is_rural_at_risk
                or programmes.is_marginal_by_verification then 'marginal'
            when programmes.is_expenditure_roster or programmes.is_expenditure_by_verification
                then 'expenditure_hardship'
            when programmes.has_recent_exit_in_need or programmes.has_recent_temp_assistance then 'other'
        end as category
    from people
    inner join programmes using (person_key)
)

select
    people.person_key,
    '{{ var("month") }}' as month,
    categorised.category,
    categorised.category is not null as is_low_income,
    coalesce(categorised.category in ('tekun', 'dibao'), false) as is_covered,
    people.person_name,
    people.id_number,
    people.birth_date,
    people.sex,
    people.county_code,
    people.township,
    people.village,
    people.is_urban,
    people.dibao_standard,
    people.death_date,
    people.min_match_probability,
    households.household_key,
    households.household_number
from people
inner join categorised using (person_key)
inner join households using (person_key)
