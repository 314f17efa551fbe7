"""Reply templates (mẫu trả lời): what officers insert into a result or a question to the
citizen and edit before sending; admins keep them per category, in Vietnamese and English."""
