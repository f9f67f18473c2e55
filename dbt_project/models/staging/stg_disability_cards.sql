-- One row for a disability card holder, in the latest snapshot delivered up to the month.
with source as (
    {{ latest_snapshot(source('raw', 'disability_cards')) }}
),

renamed as (
    select
        record_id,
        delivery_month,
        source_file,
        cast(source_row as integer) as source_row,
        person_name,
        disability_card_number,
        id_number,
        id_number_status,
        id_number_raw,
        sex,
        county as county_code,
        disability_category,
        disability_level,
        living_subsidy,
        care_subsidy,
        cast(issue_date as date) as issue_date,
        card_status,
        row_issues
    from source
)

select * from renamed
