-- One row for a member of a 脱贫 or 监测 household, in the latest snapshot delivered up to the month.
with source as (
    {{ latest_snapshot(source('raw', 'rural_monitoring')) }}
),

renamed as (
    select
        record_id,
        delivery_month,
        source_file,
        cast(source_row as integer) as source_row,
        household_code,
        county as county_code,
        township,
        village,
        head_name,
        member_name,
        member_id_number,
        member_id_number_status,
        member_id_number_raw,
        relation_to_head,
        household_category,
        monitoring_category,
        main_risk,
        risk_eliminated,
        cast(net_income_per_person_annual as decimal(14, 2)) as net_income_per_person_annual,
        cast(identified_date as date) as identified_date,
        row_issues
    from source
)

select * from renamed
