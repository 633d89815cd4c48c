DROP TABLE login_challenges;
DROP TABLE recovery_codes;
DROP TABLE user_totp;
