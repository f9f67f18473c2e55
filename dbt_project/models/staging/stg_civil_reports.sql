-- One row per report by a village committee (基层上报), delivered up to the month (a re-delivered event replaced the old one).
with source as (
    {{ delivered_events(source('raw', 'civil_reports')) }}
),

renamed as (
    select
        record_id,
        delivery_month,
        source_file,
        cast(source_row as integer) as source_row,
        report_number,
        cast(report_date as date) as report_date,
        county as county_code,
        township,
        village,
        reporter,
        person_name,
        id_number,
        id_number_status,
        id_number_raw,
        phone,
        address,
        hardship_description,
        row_issues
    from source
)

select * from renamed
