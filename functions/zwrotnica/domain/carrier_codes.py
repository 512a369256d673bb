"""Raw carrier status codes -> canonical status name. Pure data, no imports.

Values are `ShipmentStatus` member names; `shipment_status` converts every table to the enum at import,
so a typo here fails the first import (and every test) instead of mis-mapping a parcel.
Source of each table: ../shared/specs/couriers.md (section in the comment above it).
Codes whose meaning is "notification sent" or genuinely ambiguous map to "UNKNOWN" on purpose:
UNKNOWN never moves a shipment, which is exactly "no state change".
"""

# Compact data tables, several codes per line: keep the formatter out.
# fmt: off

# Section 2.5: the 53 ShipX statuses (GET /v1/statuses). Matched case-insensitively.
INPOST: dict[str, str] = {
    "created": "LABEL_CREATED",
    "offers_prepared": "LABEL_CREATED",
    "offer_selected": "LABEL_CREATED",
    "confirmed": "LABEL_CREATED",
    "dispatched_by_sender": "IN_TRANSIT",
    "dispatched_by_sender_to_pok": "IN_TRANSIT",
    "collected_from_sender": "IN_TRANSIT",
    "taken_by_courier": "IN_TRANSIT",
    "taken_by_courier_from_pok": "IN_TRANSIT",
    "adopted_at_source_branch": "IN_TRANSIT",
    "sent_from_source_branch": "IN_TRANSIT",
    "adopted_at_sorting_center": "IN_TRANSIT",
    "sent_from_sorting_center": "IN_TRANSIT",
    "adopted_at_target_branch": "IN_TRANSIT",
    "redirect_to_box": "IN_TRANSIT",
    "canceled_redirect_to_box": "IN_TRANSIT",
    "readdressed": "IN_TRANSIT",
    "unstack_from_customer_service_point": "IN_TRANSIT",
    "unstack_from_box_machine": "IN_TRANSIT",
    "stack_parcel_pickup_time_expired": "IN_TRANSIT",
    "stack_parcel_in_box_machine_pickup_time_expired": "IN_TRANSIT",
    "out_for_delivery": "OUT_FOR_DELIVERY",
    "out_for_delivery_to_address": "OUT_FOR_DELIVERY",
    "ready_to_pickup": "READY_FOR_PICKUP",
    "pickup_reminder_sent": "READY_FOR_PICKUP",
    "ready_to_pickup_from_pok": "READY_FOR_PICKUP",
    "ready_to_pickup_from_pok_registered": "READY_FOR_PICKUP",
    "ready_to_pickup_from_branch": "READY_FOR_PICKUP",
    "stack_in_customer_service_point": "READY_FOR_PICKUP",  # locker full: receiver may collect at the point
    "stack_in_box_machine": "READY_FOR_PICKUP",
    "courier_avizo_in_customer_service_point": "READY_FOR_PICKUP",
    "delivered": "DELIVERED",
    "return_pickup_confirmation_to_sender": "DELIVERED",  # collected; the ZPO receipt goes to the sender
    "pickup_reminder_sent_address": "DELIVERY_FAILED",
    "rejected_by_receiver": "DELIVERY_FAILED",
    "undelivered_wrong_address": "DELIVERY_FAILED",
    "undelivered_incomplete_address": "DELIVERY_FAILED",
    "undelivered_unknown_receiver": "DELIVERY_FAILED",
    "undelivered_cod_cash_receiver": "DELIVERY_FAILED",
    "undelivered_no_mailbox": "DELIVERY_FAILED",
    "undelivered_not_live_address": "DELIVERY_FAILED",
    "pickup_time_expired": "DELIVERY_FAILED",  # can still be collected before the courier takes it back
    "avizo": "DELIVERY_FAILED",
    "undelivered_lack_of_access_letterbox": "DELIVERY_FAILED",
    "delay_in_delivery": "DELAYED",
    "oversized": "EXCEPTION",
    "claimed": "EXCEPTION",
    "undelivered": "EXCEPTION",  # sent to the undeliverable-parcels warehouse
    # No description upstream ("translation missing"). EXCEPTION, not UNKNOWN: a parcel InPost calls
    # "missing" needs a human, and UNKNOWN would hide it behind the last known status.
    "missing": "EXCEPTION",
    "taken_by_courier_from_customer_service_point": "RETURNING_TO_SENDER",
    "returned_to_sender": "RETURNING_TO_SENDER",  # ZDN; the return has its own return_tracking_number
    "canceled": "CANCELLED",
    "other": "UNKNOWN",
}

# Section 7.1: AfterShip tags, and the subtags whose meaning differs from their tag.
AFTERSHIP_TAGS: dict[str, str] = {
    "Pending": "UNKNOWN",  # AfterShip has no carrier data yet
    "InfoReceived": "LABEL_CREATED",
    "InTransit": "IN_TRANSIT",
    "OutForDelivery": "OUT_FOR_DELIVERY",
    "AvailableForPickup": "READY_FOR_PICKUP",
    "AttemptFail": "DELIVERY_FAILED",
    "Delivered": "DELIVERED",
    "Exception": "EXCEPTION",
    "Expired": "UNKNOWN",  # no tracking data for 30 days
}
AFTERSHIP_SUBTAGS: dict[str, str] = {
    "Exception_002": "DELIVERY_FAILED",  # customer moved
    "Exception_003": "DELIVERY_FAILED",  # customer refused delivery
    "Exception_004": "DELAYED",  # customs clearance
    "Exception_005": "DELAYED",  # external factors
    "Exception_006": "DELAYED",  # held for payment
    "Exception_007": "DELIVERY_FAILED",  # incorrect address
    "Exception_008": "DELIVERY_FAILED",  # not collected at the pickup point
    # AfterShip's docs: _010 "Returning to sender: on its way back", _011 "Returned to sender: received by
    # the sender". couriers.md section 1 has these two the other way round; the docs win.
    "Exception_010": "RETURNING_TO_SENDER",
    "Exception_011": "RETURNED",
    "Exception_016": "DELAYED",  # processing delay
    "Exception_017": "DELAYED",  # extreme weather
}

# Section 3.3: DPD Polska businessCode. Exact 6-digit codes first, then the 4-digit families ("1901xx").
DPD: dict[str, str] = {
    "030103": "LABEL_CREATED",
    "110302": "IN_TRANSIT", "150301": "IN_TRANSIT", "170302": "IN_TRANSIT", "320202": "IN_TRANSIT",
    "160102": "IN_TRANSIT", "160202": "IN_TRANSIT", "170205": "IN_TRANSIT", "260403": "IN_TRANSIT",
    "230101": "IN_TRANSIT", "320201": "IN_TRANSIT",  # stored at depot
    "230402": "IN_TRANSIT", "230405": "IN_TRANSIT",  # redirected / sent abroad
    "701901": "DELIVERED",
    "210109": "DELIVERY_FAILED", "500011": "DELIVERY_FAILED", "500411": "DELIVERY_FAILED",
    "500811": "DELIVERY_FAILED",
    "200601": "DELAYED", "200604": "DELAYED", "210111": "DELAYED", "600601": "DELAYED", "200801": "DELAYED",
    "230309": "EXCEPTION", "230310": "EXCEPTION",  # no package in depot / discarded
    "230403": "RETURNING_TO_SENDER",
    # Notifications and data changes: no state change.
    "170304": "UNKNOWN", "170305": "UNKNOWN", "170306": "UNKNOWN", "170307": "UNKNOWN", "170308": "UNKNOWN",
    "250301": "UNKNOWN",
}
DPD_FAMILIES: dict[str, str] = {
    "0405": "LABEL_CREATED", "0406": "LABEL_CREATED",  # collection postponed / cancelled
    "0401": "IN_TRANSIT",
    "0501": "IN_TRANSIT", "1201": "IN_TRANSIT", "1601": "IN_TRANSIT", "1605": "IN_TRANSIT",
    "2201": "IN_TRANSIT", "3301": "IN_TRANSIT", "3701": "IN_TRANSIT", "4101": "IN_TRANSIT",
    "2302": "IN_TRANSIT",  # sorting error
    "1701": "OUT_FOR_DELIVERY",
    "1705": "READY_FOR_PICKUP", "5023": "READY_FOR_PICKUP", "5112": "READY_FOR_PICKUP",
    "6001": "READY_FOR_PICKUP",
    "1901": "DELIVERED", "1902": "DELIVERED", "5013": "DELIVERED", "7019": "DELIVERED",
    "2002": "DELIVERY_FAILED", "2003": "DELIVERY_FAILED", "2005": "DELIVERY_FAILED",  # absent / address / ID
    "2004": "DELIVERY_FAILED", "2007": "DELIVERY_FAILED",  # refusal / COD problem
    "6004": "DELIVERY_FAILED", "6007": "DELIVERY_FAILED",
    "5006": "RETURNING_TO_SENDER",
    "5117": "UNKNOWN",  # notification sent
    # "Delivered at pickup point": sources disagree (delivered vs in transit). A wrong DELIVERED would start
    # the withdrawal clock, so wait for 7019xx/1901xx instead of guessing.
    "5119": "UNKNOWN",
}

# Section 4.3: DHL24 ShipmentEvent.status (codes from sylapi/courier-dhl, which the spec summarises).
DHL: dict[str, str] = {
    "EDWP": "LABEL_CREATED",
    **dict.fromkeys(
        ["DWP", "SP_DWP", "SP_PU", "LP", "SORT", "CN", "WEJPL", "WYJPL", "TRM", "TRM2",
         # receiver decisions: new date/time/address, neighbour, Parcelshop
         "PNPT", "PO18", "SOB", "SAS", "ZA", "ZAIT", "PSHOP", "AWI_DP2"],
        "IN_TRANSIT",
    ),
    "LK": "OUT_FOR_DELIVERY",
    **dict.fromkeys(
        ["OWL", "OWL_KP", "OWL_ONO", "OWL_PS_KP", "OWL_PS_ONO", "OWL_SP_KP", "OWL_SP_ONO", "SP_DSP", "SP_KP"],
        "READY_FOR_PICKUP",
    ),
    **dict.fromkeys(
        ["DOR", "DOR_LOK", "DOR_OTH", "DOR_OWL", "DOR_POC", "DOR_RDZ", "DOR_SAS", "PPDOR"], "DELIVERED"
    ),
    **dict.fromkeys(
        ["AWI", "AWI_ONU", "AWI_OZ", "AWI_SAS", "AWI_ROD", "ZWW",
         "OP", "OP_BWER", "OP_COD", "OP_DUB", "OP_OTH", "OP_PLA", "OP_PNK", "OP_REZ", "OP_ROD", "OP_SAS",
         "OP_TNZ", "OP_UMO", "OP_USP", "BRG_SAS",
         "AN", "AN_BO", "AN_RA", "AN_SAS"],
        "DELIVERY_FAILED",
    ),
    "BRG": "DELAYED",  # held until the receiver pays charges
    **dict.fromkeys(["CC", "PNK", "SP_CN", "SP_DW", "SP_ZAM"], "EXCEPTION"),
    **dict.fromkeys(
        ["ZWR", "ZWR_AN", "ZWR_OP", "REZ", "AWI_CZAS", "OP_DO", "SP_KZW", "SP_OP", "SP_TO", "SP_ZWR"],
        "RETURNING_TO_SENDER",
    ),
    **dict.fromkeys(["ZWN", "ZWR_ZB", "ZWR_ZT", "OP_DOK"], "RETURNED"),
}

# Section 5.3: Poczta Polska event codes (sylapi/courier-enadawca; P_REJ_KN1 from the USS doc example).
POCZTA_POLSKA: dict[str, str] = {
    **dict.fromkeys(["P_REJ", "P_REJ_KN", "P_REJ_KN1"], "LABEL_CREATED"),
    **dict.fromkeys(
        ["P_NAD", "P_NAD_ZPO", "P_NM_ZPO",
         "P_PZL", "P_WZL", "P_Z", "P_DBR", "P_DBZ", "P_RUD", "P_KOD", "P_WEPL", "P_WYPL", "P_WEOC", "P_WYOC",
         "P_PWP", "P_PCP", "P_PCWY", "P_ZWC", "P_POAC"],
        "IN_TRANSIT",
    ),
    "P_WD": "OUT_FOR_DELIVERY",
    # avizo left / delivered to a pickup point, awaiting collection
    **dict.fromkeys(["P_A", "P_AK", "P_ADR", "P_APP", "P_PA", "P_DDP"], "READY_FOR_PICKUP"),
    **dict.fromkeys(["P_D", "P_DS", "P_S", "P_OWU", "P_OWUK", "P_OWP", "P_OWUWPP"], "DELIVERED"),
    **dict.fromkeys(
        ["P_ND", "P_NDK", "P_NDPD", "P_NDPJ", "P_PKN", "P_ZPNP", "P_NOWU",
         "P_R", "P_ZZPZ"],  # held at the receiver's request / not collected at the point
        "DELIVERY_FAILED",
    ),
    **dict.fromkeys(["P_NDZ", "P_NDZK", "P_NDZAP", "P_NDD", "P_ZDUN_ZPO", "P_ZPNA"], "RETURNING_TO_SENDER"),
    **dict.fromkeys(["E", "P_ZDUN", "P_CZDKN", "P_POZE", "P_POZS"], "RETURNED"),
    **dict.fromkeys(
        ["C", "G",  # held by the post (notifying addressee / for inspection)
         "P_ZAG", "P_NDB", "P_ZNISZ", "P_USZ", "P_SDUNPK", "P_SDUNPZPO", "P_WDUNP"],
        "EXCEPTION",
    ),
    **dict.fromkeys(["P_WSMS", "P_WEMAIL", "P_POWE", "P_POWS", "P_POOE", "P_POOS"], "UNKNOWN"),  # notices
}

# Section 6.3: ORLEN Paczka PackStatus.Trans. 1000 + Attribute "...POWROT" is handled in map_orlen.
ORLEN: dict[str, str] = {
    "100": "IN_TRANSIT", "110": "IN_TRANSIT",
    "200": "LABEL_CREATED",  # pre-advised
    "201": "CANCELLED",
    "210": "IN_TRANSIT", "230": "IN_TRANSIT", "240": "IN_TRANSIT", "300": "IN_TRANSIT", "400": "IN_TRANSIT",
    "450": "IN_TRANSIT", "653": "IN_TRANSIT",
    "680": "OUT_FOR_DELIVERY",  # on its way to the point
    "690": "READY_FOR_PICKUP", "695": "READY_FOR_PICKUP",
    "700": "DELIVERY_FAILED",
    "709": "RETURNING_TO_SENDER", "729": "RETURNING_TO_SENDER", "790": "RETURNING_TO_SENDER",
    "800": "RETURNING_TO_SENDER",
    "749": "EXCEPTION",
    "888": "UNKNOWN",  # archiving
    "900": "RETURNED",
    "1000": "DELIVERED", "1100": "DELIVERED",
}

# Public tracking pages (sections 2.9, 3.5, 4.5, 5.5, 6.4; all community-sourced, ORLEN's UNCONFIRMED).
TRACKING_URLS: dict[str, str] = {
    "inpost": "https://inpost.pl/sledzenie-przesylek?number={number}",
    "dpd": "https://tracktrace.dpd.com.pl/parcelDetails?p1={number}",
    "dhl": "https://www.dhl.com/pl-pl/home/tracking/tracking-parcel.html?submit=1&tracking-id={number}",
    "poczta_polska": "https://emonitoring.poczta-polska.pl/?numer={number}",
    "orlen": "https://www.orlenpaczka.pl/sledz-paczke/?numer={number}",
}
# fmt: on
