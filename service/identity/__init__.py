"""Who the caller is: users, roles, passwords and tokens, and the authorization
policies every router depends on. Below every other domain (it imports none of them)."""
