-- One row for a household's house safety assessment, in the latest snapshot delivered up to the month.
with source as (
    {{ latest_snapshot(source('raw', 'housing_safety')) }}
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
        head_name,
        head_id_number,
        head_id_number_status,
        head_id_number_raw,
        safety_grade,
        cast(assessment_date as date) as assessment_date,
        included_in_renovation,
        renovation_status,
        row_issues
    from source
)

select * from renamed
