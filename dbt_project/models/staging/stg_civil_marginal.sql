-- One row for a member of a recognised 低保边缘 or 支出型困难 household, in the latest snapshot delivered up to the month.
with source as (
    {{ latest_snapshot(source('raw', 'civil_marginal')) }}
),

renamed as (
    select
        record_id,
        delivery_month,
        source_file,
        cast(source_row as integer) as source_row,
        county as county_code,
        township,
        village,
        household_number,
        head_name,
        head_id_number,
        head_id_number_status,
        head_id_number_raw,
        member_name,
        member_id_number,
        member_id_number_status,
        member_id_number_raw,
        relation_to_head,
        recognition_type,
        cast(recognition_date as date) as recognition_date,
        cast(income_per_person_monthly as decimal(14, 2)) as income_per_person_monthly,
        roster_status,
        row_issues
    from source
)

select * from renamed
