-- One row per person: the rosters they are active on and the signals the categories of
-- domain.md read (verification results, rural monitoring, exits, temporary assistance).
with records as (
    select * from {{ ref('int_person_records') }}
),

people as (
    select * from {{ ref('int_people') }}
),

households as (
    select * from {{ ref('int_person_households') }}
),

dibao as (
    select
        records.person_key,
        bool_or(dibao.roster_status = '在保') as is_dibao_active,
        count(distinct dibao.county_code || ':' || dibao.household_number)
            filter (where dibao.roster_status = '在保') as active_dibao_households,
        count(distinct dibao.county_code) filter (where dibao.roster_status = '在保') as active_dibao_counties,
        {{ sorted_list('dibao.county_code', "dibao.roster_status = '在保'") }}
            as active_dibao_county_codes,
        -- the 低保 unit: the roster household the person is covered in (for a 单人保 member, the
        -- member alone, though the family is one household)
        min(dibao.county_code || ':' || dibao.household_number) filter (where dibao.roster_status = '在保')
            as dibao_unit_key,
        max(dibao.covered_members) filter (where dibao.roster_status = '在保') as dibao_covered_members,
        bool_or(dibao.roster_status = '在保' and dibao.is_individual_dibao = '是') as is_individual_dibao
    from records
    inner join {{ ref('stg_civil_dibao') }} as dibao using (record_id)
    group by records.person_key
),

tekun as (
    select
        records.person_key,
        bool_or(tekun.roster_status = '在供') as is_tekun_active,
        max(tekun.support_mode) filter (where tekun.roster_status = '在供') as tekun_support_mode
    from records
    inner join {{ ref('stg_civil_tekun') }} as tekun using (record_id)
    group by records.person_key
),

marginal as (
    select
        records.person_key,
        bool_or(marginal.roster_status = '有效' and marginal.recognition_type = '低保边缘家庭') as is_marginal_roster,
        bool_or(marginal.roster_status = '有效' and marginal.recognition_type = '支出型困难家庭') as is_expenditure_roster
    from records
    inner join {{ ref('stg_civil_marginal') }} as marginal using (record_id)
    group by records.person_key
),

rural as (
    select
        records.person_key,
        bool_or(
            rural.household_category = '监测户'
            and rural.monitoring_category in ('脱贫不稳定户', '边缘易致贫户', '突发严重困难户')
            and rural.risk_eliminated = '否'
        ) as is_rural_at_risk
    from records
    inner join {{ ref('stg_rural_monitoring') }} as rural using (record_id)
    group by records.person_key
),

-- the household's latest verification in the look-back window is the one that counts (as for N01)
latest_verifications as (
    select
        households.household_key,
        people.county_code,
        people.is_urban,
        people.dibao_standard,
        -- the person's county, not the county the check was filed in
        verification.* except (county_code),
        row_number() over (
            partition by households.household_key
            order by verification.completed_date desc, verification.verification_number desc
        ) as recency
    from records
    inner join {{ ref('stg_civil_verification') }} as verification using (record_id)
    inner join people using (person_key)
    inner join households using (person_key)
    where verification.completed_date > {{ months_before_month_end('verification_lookback_months') }}
        and verification.completed_date <= {{ month_end() }}
),

verified_households as (
    select verification.household_key
    from latest_verifications as verification
    where verification.recency = 1
        and verification.household_income_annual / nullif(verification.household_size, 0) / 12
            < {{ threshold('marginal_income_multiplier') }} * verification.dibao_standard
        and {{ assets_pass('verification', 'verification.dibao_standard') }}
),

-- the household's rigid spending (medical, education, disability: 晋民发〔2022〕60号, issue 25 item 8)
household_out_of_pocket as (
    select household_key, rigid_spending as out_of_pocket
    from {{ ref('int_household_rigid_spending') }}
),

disposable as (
    select county_code, area, disposable_income_per_person_yuan,
        row_number() over (partition by county_code, area order by year desc) as recency
    from {{ ref('disposable_incomes') }}
    where year < year({{ month_end() }})
),

-- 支出型 computed (domain.md): income after the household's rigid spending below k x S per person and
-- month, income per person below the prior-year disposable income, assets pass
expenditure_households as (
    select verification.household_key
    from latest_verifications as verification
    left join household_out_of_pocket as spent on spent.household_key = verification.household_key
    inner join disposable
        on disposable.county_code = verification.county_code
        and disposable.area = case when verification.is_urban then 'urban' else 'rural' end
        and disposable.recency = 1
    where verification.recency = 1
        and (verification.household_income_annual - coalesce(spent.out_of_pocket, 0))
            / nullif(verification.household_size, 0) / 12
            < {{ threshold('expenditure_hardship_multiplier') }} * verification.dibao_standard
        and verification.household_income_annual / nullif(verification.household_size, 0)
            < disposable.disposable_income_per_person_yuan
        and {{ assets_pass('verification', 'verification.dibao_standard') }}
),

-- the person's latest exit in the look-back window is the one that counts: a later exit for
-- death or a move, or with a higher income, ends what an earlier one said
latest_exits as (
    select
        records.person_key,
        exits.*,
        row_number() over (partition by records.person_key order by exits.exit_date desc, record_id desc) as recency
    from records
    inner join {{ ref('stg_civil_exits') }} as exits using (record_id)
    where exits.exit_date > {{ months_before_month_end('exit_lookback_months') }}
        and exits.exit_date <= {{ month_end() }}
),

exits as (
    select latest_exits.person_key, true as has_recent_exit_in_need
    from latest_exits
    inner join people using (person_key)
    where latest_exits.recency = 1
        and latest_exits.exit_reason not in ('死亡', '迁出')
        and latest_exits.income_per_person_at_exit
            < {{ threshold('marginal_income_multiplier') }} * people.dibao_standard
),

temp_assistance as (
    select person_key, true as has_recent_temp_assistance
    from {{ ref('int_person_grants') }}
    where approval_date > {{ months_before_month_end('temp_assistance_lookback_months') }}
        and approval_date <= {{ month_end() }}
    group by person_key
)

select
    people.person_key,
    coalesce(tekun.is_tekun_active, false) as is_tekun_active,
    tekun.tekun_support_mode,
    coalesce(dibao.is_dibao_active, false) as is_dibao_active,
    coalesce(dibao.active_dibao_households, 0) as active_dibao_households,
    coalesce(dibao.active_dibao_counties, 0) as active_dibao_counties,
    dibao.active_dibao_county_codes,
    dibao.dibao_unit_key,
    dibao.dibao_covered_members,
    coalesce(dibao.is_individual_dibao, false) as is_individual_dibao,
    coalesce(marginal.is_marginal_roster, false) as is_marginal_roster,
    coalesce(marginal.is_expenditure_roster, false) as is_expenditure_roster,
    coalesce(rural.is_rural_at_risk, false) as is_rural_at_risk,
    verified_households.household_key is not null as is_marginal_by_verification,
    expenditure_households.household_key is not null as is_expenditure_by_verification,
    coalesce(exits.has_recent_exit_in_need, false) as has_recent_exit_in_need,
    coalesce(temp_assistance.has_recent_temp_assistance, false) as has_recent_temp_assistance
from people
left join households using (person_key)
left join dibao using (person_key)
left join tekun using (person_key)
left join marginal using (person_key)
left join rural using (person_key)
left join verified_households on verified_households.household_key = households.household_key
left join expenditure_households on expenditure_households.household_key = households.household_key
left join exits using (person_key)
left join temp_assistance using (person_key)
