{#- generated from ingestion/catalogue.py by `python -m ingestion.catalogue_files`: do not edit -#}
{#- Where each feed's rows name a person, and what of that person the linkage compares. -#}
{% macro person_roles() %}
    {{ return([
        {"feed": "civil_dibao", "role": "member", "name": "member_name", "id": "member_id_number", "place": "full", "household": "'civil:' || county_code || ':' || household_number"},
        {"feed": "civil_tekun", "role": "person", "name": "person_name", "id": "id_number", "sex": "sex", "place": "full"},
        {"feed": "civil_marginal", "role": "member", "name": "member_name", "id": "member_id_number", "place": "full", "household": "'civil:' || county_code || ':' || household_number"},
        {"feed": "civil_temp_assistance", "role": "person", "name": "person_name", "id": "id_number", "place": "county"},
        {"feed": "civil_verification", "role": "head", "name": "head_name", "id": "head_id_number", "place": "county"},
        {"feed": "civil_exits", "role": "person", "name": "person_name", "id": "id_number", "place": "county"},
        {"feed": "civil_visits", "role": "person", "name": "person_name", "id": "id_number", "phone": "phone", "place": "full"},
        {"feed": "civil_applications", "role": "person", "name": "person_name", "id": "id_number", "phone": "phone", "place": "full"},
        {"feed": "civil_reports", "role": "person", "name": "person_name", "id": "id_number", "phone": "phone", "place": "full"},
        {"feed": "civil_cadre_relatives", "role": "cadre", "name": "cadre_name", "id": "cadre_id_number", "place": "full"},
        {"feed": "civil_cadre_relatives", "role": "relative", "name": "relative_name", "id": "relative_id_number", "place": "full"},
        {"feed": "edu_students", "role": "person", "name": "person_name", "id": "id_number", "sex": "sex", "place": "county", "age_hint": "school"},
        {"feed": "hrss_insurance", "role": "person", "name": "person_name", "id": "id_number", "age_hint": "insurance", "register_part": "insurance_type"},
        {"feed": "housing_safety", "role": "head", "name": "head_name", "id": "head_id_number", "place": "full"},
        {"feed": "housing_property", "role": "person", "name": "person_name", "id": "id_number"},
        {"feed": "emergency_disaster", "role": "person", "name": "person_name", "id": "id_number", "place": "full"},
        {"feed": "medins_enrollment", "role": "person", "name": "person_name", "id": "id_number"},
        {"feed": "medins_settlements", "role": "person", "name": "person_name", "id": "id_number"},
        {"feed": "rural_monitoring", "role": "member", "name": "member_name", "id": "member_id_number", "place": "full", "household": "'rural:' || household_code"},
        {"feed": "disability_cards", "role": "person", "name": "person_name", "id": "id_number", "sex": "sex", "place": "county"}
    ]) }}
{% endmacro %}
