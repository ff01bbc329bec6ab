"""usercenter: accounts, password and WeChat mini-program login, tokens, user profiles."""
