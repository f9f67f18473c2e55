-- One row per recorded cadre-relative pair, in the latest snapshot delivered up to the month.
with source as (
    {{ latest_snapshot(source('raw', 'civil_cadre_relatives')) }}
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
        cadre_name,
        cadre_id_number,
        cadre_id_number_status,
        cadre_id_number_raw,
        cadre_position,
        relative_name,
        relative_id_number,
        relative_id_number_status,
        relative_id_number_raw,
        relationship,
        row_issues
    from source
)

select * from renamed
