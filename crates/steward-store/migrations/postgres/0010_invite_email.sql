-- An invite sent to one e-mail address: the account made with it gets that address.
ALTER TABLE invites ADD COLUMN email TEXT;
